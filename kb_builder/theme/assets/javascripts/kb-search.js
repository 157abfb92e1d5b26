/*
 * kb_builder's page script for Material's search box, loaded before Material's own
 * script (kb_builder/theme/main.html), which creates the search worker.
 *
 * - Results beyond the first page: the worker (kb-search-worker.js) gives Material the
 *   first page of results and the number of all of them.  This shows that number,
 *   says it in a polite live region, and puts a "more" button under the list that
 *   asks the worker for the next page and adds it in Material's markup.  Material's
 *   search is used with the arrow keys (Tab closes it): they reach the button too,
 *   and Enter or Space presses it.
 * - Material searches when a key is released in its box: text pasted from a menu,
 *   dropped, or committed by an input method releases none, so this asks for the
 *   search on `input` (outside a composition) and on `compositionend` as well.
 * - The home page's search box (kb_home.html) hands what is typed there to the
 *   header's box, which opens Material's search; without scripts it is a form that
 *   opens the search with ?q=.
 *
 * Result text from the worker is [text, marked] parts, turned into text nodes and
 * <mark> elements here: nothing is read as HTML.
 */
(() => {
  "use strict"

  const WORKER = "assets/javascripts/kb-search-worker.js"
  const RESULT = 3, HELLO = "kb:hello", MORE = "kb:more", PAGE_RESULT = "kb:page"
  const QUERY_BOX = '[data-md-component="search-query"]'
  const RESULTS = '[data-md-component="search-result"]'
  /* The elements Material's arrow keys move between, in its result list. */
  const ARROW_TARGETS = ":not(details) > [href], summary, details[open] [href]"
  const HOME_FORM = "form.kb-home-search"

  let worker = null
  let shown = null   /* the results on screen: {query, total, count, page (the first page's size)} */
  let latest = null  /* the last result message, so a late one is not shown */
  let asked = -1     /* where the page asked for is to start (one request at a time) */

  /* ------------------------------------------------------------------ page data */

  function json(id) {
    const el = document.getElementById(id)
    try {
      return el ? JSON.parse(el.textContent) : {}
    } catch (e) {
      return {}
    }
  }

  const material = () => json("__config")
  const labels = () => json("kb-search-labels")

  function format(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, (m, key) => key in values ? String(values[key]) : m)
  }

  /* Material's own wording for a number of results ("# matching documents"). */
  function resultCount(total) {
    const t = material().translations || {}
    if (total === 1 && t["search.result.one"]) return t["search.result.one"]
    return String(t["search.result.other"] || "# results").replace("#", String(total))
  }

  /* ------------------------------------------------------------------ the worker */

  const Base = window.Worker
  if (typeof Base === "function")
    window.Worker = class extends Base {
      constructor(url, options) {
        super(url, options)
        if (!worker && String(url).split(/[?#]/)[0].endsWith(WORKER)) {
          worker = this
          this.postMessage({ type: HELLO })  /* first: the worker then pages its results */
          this.addEventListener("message", ev => received(ev.data))
        }
      }
    }

  function received(message) {
    if (!message || typeof message !== "object") return
    if (message.type === RESULT && message.data) {
      latest = message.data
      /* after Material's own listener has drawn the list */
      setTimeout(() => { if (latest === message.data) showResult(message.data) })
    } else if (message.type === PAGE_RESULT && message.data) {
      showPage(message.data)
    }
  }

  /* ------------------------------------------------------------------ results */

  function parts(parent, list) {
    for (const [text, marked] of Array.isArray(list) ? list : []) {
      if (marked) {
        const mark = document.createElement("mark")
        mark.textContent = String(text)
        parent.append(mark)
      } else {
        parent.append(String(text))
      }
    }
    return parent
  }

  function element(tag, attrs) {
    const el = document.createElement(tag)
    for (const [name, value] of Object.entries(attrs || {})) el.setAttribute(name, value)
    return el
  }

  /* One result as Material draws one (its list item, link and article). */
  function resultItem(r, config) {
    const url = new URL(String(r.location), new URL(config.base || ".", location.href))
    const terms = r.terms && typeof r.terms === "object" ? r.terms : {}
    if ((config.features || []).includes("search.highlight"))
      url.searchParams.set("h", Object.keys(terms).filter(k => terms[k]).join(" "))
    const link = element("a", { href: `${url}`, class: "md-search-result__link", tabindex: "-1" })
    const article = element("article", {
      class: "md-search-result__article md-typeset", "data-md-score": Number(r.score || 0).toFixed(2) })
    article.append(element("div", { class: "md-search-result__icon md-icon" }), parts(element("h1"), r.title))
    parts(article, r.text)
    const missing = Object.keys(terms).filter(k => !terms[k])
    if (missing.length) {
      const p = element("p", { class: "md-search-result__terms" })
      p.append(`${(config.translations || {})["search.result.term.missing"] || "Missing"}: `)
      missing.forEach((k, i) => {
        if (i) p.append(" ")
        const del = document.createElement("del")
        del.textContent = k
        p.append(del)
      })
      article.append(p)
    }
    link.append(article)
    const item = element("li", { class: "md-search-result__item" })
    item.append(link)
    return item
  }

  /* The count's live region and the "more" button, under Material's list. */
  function footer(results) {
    let foot = results.querySelector(":scope > .kb-search-more")
    if (!foot) {
      foot = element("div", { class: "kb-search-more" })
      const status = element("p", { class: "kb-search-more__status", role: "status", "aria-live": "polite" })
      const button = element("button", { type: "button", class: "kb-search-more__button" })
      button.hidden = true
      button.addEventListener("click", ev => {
        ev.stopPropagation()  /* not a result link: Material would close its search */
        askMore()
      })
      button.addEventListener("keydown", ev => {
        if (ev.key === "Enter" || ev.key === " ") {
          /* Material hands every key but Enter to its search box: keep these here */
          ev.stopPropagation()
          ev.preventDefault()
          askMore()
        }
      })
      foot.append(status, button)
      results.append(foot)
    }
    return { status: foot.firstElementChild, button: foot.lastElementChild }
  }

  /* The button shows while results are left, saying how many the next page adds. */
  function update(results) {
    const { button } = footer(results)
    const left = shown ? shown.total - shown.count : 0
    button.hidden = left <= 0
    /* with nothing left, the count is only said: Material's line above shows it */
    button.parentElement.classList.toggle("kb-search-more--done", left <= 0)
    if (left > 0) button.textContent = format(labels().more || "Show {count} more", { count: Math.min(left, shown.page) })
  }

  function announce(results, text) {
    footer(results).status.textContent = text
  }

  function showResult(data) {
    const results = document.querySelector(RESULTS)
    if (!results || !Array.isArray(data.items)) return
    const total = Math.max(Number(data.total) || 0, data.items.length)
    shown = { query: data.query, total, count: data.items.length, page: data.items.length }
    asked = -1
    const meta = results.querySelector(".md-search-result__meta")
    if (meta && total > data.items.length) meta.textContent = resultCount(total)
    update(results)
    /* Said once per result: Material's line above the list is not a live region. */
    const none = (material().translations || {})["search.result.none"] || ""
    announce(results, !String(data.query || "").trim() ? "" : !total ? none
      : total > shown.count ? showing() : resultCount(total))
  }

  function showing() {
    return format(labels().shown || "{shown} of {total}", { shown: shown.count, total: shown.total })
  }

  function askMore() {
    if (!worker || !shown || shown.count >= shown.total || asked === shown.count) return
    asked = shown.count
    worker.postMessage({ type: MORE, data: { query: shown.query, from: shown.count } })
  }

  function showPage(data) {
    const results = document.querySelector(RESULTS)
    if (!results || !shown || data.query !== shown.query) return
    asked = -1  /* answered (with nothing, when the worker failed): the button may ask again */
    const list = results.querySelector(".md-search-result__list")
    const items = Array.isArray(data.items) ? data.items : []
    if (!list || !items.length || data.from !== shown.count) return
    const config = material()
    const added = items.map(r => resultItem(r, config))
    list.append(...added)
    shown.count += added.length
    const { button } = footer(results)
    const hadFocus = document.activeElement === button
    update(results)
    announce(results, showing())
    /* The button goes with the last page: the first result it added takes the focus. */
    if (hadFocus && button.hidden) added[0].querySelector("a").focus()
  }

  /* ------------------------------------------------------------------ keys and input */

  function searchOpen() {
    const toggle = document.querySelector('[data-md-toggle="search"]')
    return !!(toggle && toggle.checked)
  }

  /* The arrow keys: from the last result down to the button, and from the button up
     to the last result or down to the search box (Material's keys know only links). */
  window.addEventListener("keydown", ev => {
    if ((ev.key !== "ArrowDown" && ev.key !== "ArrowUp") || !searchOpen()) return
    const results = document.querySelector(RESULTS)
    const button = results && results.querySelector(":scope > .kb-search-more > button")
    if (!button || button.hidden) return
    const targets = [...results.querySelectorAll(ARROW_TARGETS)].filter(el => !button.contains(el))
    const active = document.activeElement
    let next = null
    if (active === button)
      next = ev.key === "ArrowUp" ? targets[targets.length - 1] : document.querySelector(QUERY_BOX)
    else if (ev.key === "ArrowDown" && targets.length && active === targets[targets.length - 1])
      next = button
    if (next) {
      ev.preventDefault()
      ev.stopPropagation()
      next.focus()
    }
  }, true)

  /* Material reads its box when a key is released: say so when text came another way. */
  function searchNow(box) {
    box.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }))
  }

  /* The home page's box: what is typed there goes on in the header's box. */
  function handOver(box) {
    const query = document.querySelector(QUERY_BOX)
    if (!query || !box.value.trim()) return false
    query.value = box.value
    query.focus()  /* Material opens its search */
    query.setSelectionRange(query.value.length, query.value.length)
    searchNow(query)
    return true
  }

  function typed(ev) {
    const target = ev.target
    if (!(target instanceof HTMLInputElement)) return
    if (target.matches(QUERY_BOX)) {
      searchNow(target)
      /* the home page's box shows what is searched */
      const home = document.querySelector(`${HOME_FORM} input[name="q"]`)
      if (home) home.value = target.value
    } else if (target.form && target.form.matches(HOME_FORM)) {
      handOver(target)
    }
  }

  document.addEventListener("input", ev => { if (!ev.isComposing) typed(ev) })
  document.addEventListener("compositionend", typed)
  document.addEventListener("submit", ev => {
    const form = ev.target
    if (!(form instanceof HTMLFormElement) || !form.matches(HOME_FORM)) return
    const box = form.elements.namedItem("q")
    if (box instanceof HTMLInputElement && handOver(box)) ev.preventDefault()
  })
})()
