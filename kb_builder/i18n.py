"""Every label the builder writes into pages, per site language (theme.language)."""
from __future__ import annotations

import re

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "home": "Home",
        "home_title": "Knowledge base",
        "home_intro": "{entries} answered questions in {categories} categories, {tags} tags, {hubs} troubleshooting guides and {errors} indexed error messages.",
        "home_intro_uncategorised": "{entries} answered questions, {tags} tags, {hubs} troubleshooting guides and {errors} indexed error messages.",
        "search_hint": "Type a symptom or paste an error message into the search box.",
        "search_box": "Type a symptom or paste an error message",
        "search_button": "Search",
        "more_results": "Show {count} more results",
        "results_shown": "Showing {shown} of {total} results",
        "most_asked": "Most asked questions",
        "asked_times": "asked {count} times",
        "most_referenced": "Most referenced questions",
        "referenced_times": "referenced by {count} questions",
        "question": "Question",
        "answer": "Answer",
        "references": "References",
        "related": "Related questions",
        "also_asked": "Also asked as",
        "referenced_by": "Referenced by",
        "error_signatures": "Error messages in this question",
        "tags": "Tags",
        "tag_index": "Tags",
        "tag_index_intro": "{count} tags. Each tag page lists its questions, newest first.",
        "tags_unpaged": "{count} more tags are on a single question each: there, they search for the tag.",
        "popular_tags": "Most used tags",
        "all_tags": "All tags A–Z",
        "related_tags": "Related tags",
        "see_also_tags": "See also",
        "merged_tags": "Includes the tags",
        "moved_to": "This tag's questions are now at",
        "tag_search": "Search the questions tagged",
        "guide_moved_to": "This troubleshooting guide is now at",
        "guides_moved_to": "This troubleshooting guide is no more; see the others at",
        "tag_page_intro": "{count} questions tagged “{label}”.",
        "versions": "Versions",
        "version_page_intro": "{count} questions about version {label}.",
        "category": "Category",
        "categories": "Categories",
        "category_page_intro": "{count} questions in this category, newest first.",
        "date": "Date",
        "updated": "Updated",
        "edit": "Edit this entry",
        "latest": "Latest questions",
        "troubleshooting": "Troubleshooting",
        "troubleshooting_intro": "Start from the symptom you see. Each guide groups the answered questions by sub-symptom.",
        "hub_count": "{count} questions",
        "hub_order": "In each part, the questions other answers cite or repeat most come first, then the newest.",
        "hub_more": "{count} more questions",
        "other": "Other",
        "error_index": "Error messages",
        "error_index_intro": "{count} error messages and exceptions found in questions, A–Z. Find yours and open the answers that mention it.",
        "error_aliases": "Also written as",
        "more_tags": "All tags",
        "entries_word": "questions",
        "extracted_tags": "tags extracted from the text",
        "unresolved_ref": "not in this knowledge base",
        "browse": "Browse",
        "year": "Year",
        "made_with": "Made with {generator}",
        "not_found": "Page not found",
        "not_found_hint": "There is no page at this address (any more). Search for what you were looking for, or start from the {home}.",
        "home_page": "home page",
        # Punctuation between generated parts: Chinese has its own colon and enumeration comma
        # and puts no space between sentences.
        "colon": ": ",
        "list_sep": ", ",
        "sentence_sep": " ",
    },
    "zh": {
        "home": "首页",
        "home_title": "知识库",
        "home_intro": "共 {entries} 个已解答问题，{categories} 个分类，{tags} 个标签，{hubs} 个排障指南，{errors} 条错误信息索引。",
        "home_intro_uncategorised": "共 {entries} 个已解答问题，{tags} 个标签，{hubs} 个排障指南，{errors} 条错误信息索引。",
        "search_hint": "在搜索框中输入症状关键词，或直接粘贴报错信息。",
        "search_box": "输入症状关键词，或直接粘贴报错信息",
        "search_button": "搜索",
        "more_results": "再显示 {count} 个结果",
        "results_shown": "已显示 {shown} / {total} 个结果",
        "most_asked": "常被问到的问题",
        "asked_times": "被问过 {count} 次",
        "most_referenced": "被引用最多的问题",
        "referenced_times": "被 {count} 个问题引用",
        "question": "问题",
        "answer": "解答",
        "references": "参考链接",
        "related": "相关问题",
        "also_asked": "相同问题的其他提问",
        "referenced_by": "引用本条目的问题",
        "error_signatures": "本问题涉及的错误信息",
        "tags": "标签",
        "tag_index": "标签",
        "tag_index_intro": "共 {count} 个标签。每个标签页按时间倒序列出相关问题。",
        "tags_unpaged": "另有 {count} 个标签各只有一个问题：在该问题页上点击标签即可搜索。",
        "popular_tags": "常用标签",
        "all_tags": "全部标签（按首字母）",
        "related_tags": "相关标签",
        "see_also_tags": "另见",
        "merged_tags": "包含标签",
        "moved_to": "此标签的问题现在位于",
        "tag_search": "搜索带有此标签的问题：",
        "guide_moved_to": "此排障指南现在位于",
        "guides_moved_to": "此排障指南已不再提供，请查看其他指南：",
        "tag_page_intro": "标签“{label}”下共 {count} 个问题。",
        "versions": "版本",
        "version_page_intro": "关于版本 {label} 的问题共 {count} 个。",
        "category": "分类",
        "categories": "分类",
        "category_page_intro": "本分类共 {count} 个问题，按时间倒序排列。",
        "date": "日期",
        "updated": "更新于",
        "edit": "编辑此条目",
        "latest": "最新问题",
        "troubleshooting": "故障排查",
        "troubleshooting_intro": "从你看到的现象出发。每个指南按子症状整理了已解答的问题。",
        "hub_count": "{count} 个问题",
        "hub_order": "每一类中，被其他解答引用或重复提问最多的问题排在前面，其次是最新的问题。",
        "hub_more": "其余 {count} 个问题",
        "other": "其他",
        "error_index": "错误信息索引",
        "error_index_intro": "从问题中提取的 {count} 条错误信息与异常，按字母排序。找到你的报错，打开提到它的解答。",
        "error_aliases": "其他写法",
        "more_tags": "全部标签",
        "entries_word": "个问题",
        "extracted_tags": "标签由正文自动提取",
        "unresolved_ref": "本知识库中暂无此条目",
        "browse": "浏览",
        "year": "年份",
        "made_with": "本站使用 {generator} 构建",
        "not_found": "页面不存在",
        "not_found_hint": "此地址没有页面（或已移走）。请用搜索框查找，或从{home}开始浏览。",
        "home_page": "首页",
        "colon": "：",
        "list_sep": "、",
        "sentence_sep": "",
    },
}

# The labels theme templates read (`kb_labels`): the plugin gives them all, `kb export` writes these in.
THEME_LABELS = ("made_with", "more_results", "results_shown", "not_found", "not_found_hint", "home_page")

# Traditional Chinese sites get their own labels, derived once from the Simplified ones.
_TRADITIONAL_CODES = {"zh-tw", "zh-hant", "zh-hk", "zh_tw", "zh_hant"}

CATEGORY_LABELS = {
    "expertConsultation": {"en": "Expert consultation", "zh": "专家答疑"},
}


def site_language(theme_language: str | None) -> str:
    """Map mkdocs-material's theme.language to a label set key."""
    code = (theme_language or "en").lower()
    if code in _TRADITIONAL_CODES:
        return "zh-Hant"
    if code.startswith("zh"):
        return "zh"
    return "en"


def labels_for(lang: str) -> dict[str, str]:
    if lang == "zh-Hant":
        from opencc import OpenCC

        convert = OpenCC("s2t").convert
        return {k: convert(v) for k, v in LABELS["zh"].items()}
    return LABELS.get(lang, LABELS["en"])


def category_label(category: str, lang: str) -> str:
    known = CATEGORY_LABELS.get(category)
    if known:
        return known["zh" if lang.startswith("zh") else "en"]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", category).replace("_", " ").replace("-", " ")
    return words[:1].upper() + words[1:]
