/*
 * kb_builder's search worker for Material for MkDocs.
 *
 * Replaces Material's Lunr worker (kb_builder/site_theme.py points each page's
 * __config.search here) and speaks the same messages: SETUP {config, docs} -> READY, QUERY
 * string -> RESULT {items: [[{location, title, text, score, terms}]]}.  Material
 * renders `title` and `text` as HTML: both are escaped here, and only <mark>
 * is added.
 *
 * Material shows every result it is given, ten at once and the rest as its list is
 * scrolled, and counts only those.  The site's page script (kb-search.js) says
 * HELLO first: then a RESULT holds the first PAGE results and `total`, the number
 * of all of them, and MORE {query, from} asks for the next PAGE of that query's
 * results, answered by PAGE_RESULT {query, from, total, items} (title and text as
 * [text, marked] parts, which the page turns into text nodes).  Without the page
 * script, as under a site's own main.html, a RESULT holds MAX_RESULTS results.
 *
 * The index is written by kb_builder/browser_index.py (see its docstring):
 * term shards by first character, fetched on demand, and document chunks.
 * The query is analysed like the index: NFKC, lower case, Traditional ->
 * Simplified, Latin split from Chinese, Chinese runs cut by jieba's
 * maximum-probability route over the index vocabulary; each word searches
 * itself, its glossary synonyms, other forms and (unknown Latin words) spelling
 * neighbours or, for the word being typed, its completions; Chinese bigrams
 * add recall.  `parse` and `rank` are kb_builder/query.py's parse and
 * kb_builder/ranking.py's combine, step for step, with the weights of the
 * ranking specification the index ships (meta.ranking): a test runs this file
 * under Node and expects `kb search`'s top results.
 */
"use strict"

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3
/* kb's own messages (kb-search.js); Material ignores types it does not know. */
const HELLO = "kb:hello", MORE = "kb:more", PAGE_RESULT = "kb:page"

const CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
const TOKEN = new RegExp(`[a-z0-9][a-z0-9_.+#-]*[a-z0-9+#]|[a-z0-9]|[${CJK}]+`, "g")
const CJK_CHAR = new RegExp(`[${CJK}]`)
const CJK_RUN = new RegExp(`[${CJK}]+`, "g")
const LATIN_RAW = /[A-Za-z0-9][A-Za-z0-9_.+#-]*[A-Za-z0-9+#]|[A-Za-z0-9]/g
const CAMEL = /[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+/g
const ALNUM_RUN = /[a-z]+|[0-9]+(?:\.[0-9]+)*/g

const MAX_RESULTS = 20
const PAGE = 10
const PREFIX_MAX = 6

/* The ranking specification (kb_builder/ranking.py), from the index's metadata. */
let W = null

let meta = null
let base = null
let stop = new Set()
let synonyms = new Map()       /* member key -> other members (token arrays) */
let glossaryMaxLen = 1
const shardCache = new Map()   /* shard number -> Promise<shard> */
const chunkCache = new Map()   /* chunk number -> Promise<docs> */
let latest = 0
let paged = false              /* the page script shows results beyond the first PAGE */
let ranked = null              /* the latest query's results: {query, top, marks, words} */

/* ------------------------------------------------------------------ helpers */

const isCjk = s => CJK_CHAR.test(s)

function escapeHTML(s) {
  return String(s)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;")
}

function foldChar(ch) {
  let f = ch.normalize("NFKC").toLowerCase()
  if (f.length === 1 && meta.t2s[f]) f = meta.t2s[f]
  return f
}

function fold(text) {
  let out = ""
  for (const ch of text.normalize("NFKC").toLowerCase())
    out += meta.t2s[ch] || ch
  return out
}

async function fetchJSON(path) {
  const res = await fetch(new URL(`${path}?v=${meta ? meta.id : ""}`, base))
  if (!res.ok) throw new Error(`${path}: ${res.status}`)
  return res.json()
}

function shardOf(term) {
  const key = term[0] === "#" && term.length > 1 ? term[1] : term[0]
  return key.codePointAt(0) % meta.shards
}

/* One fetch per file; a failed fetch is forgotten so the next query retries it. */
function cached(cache, key, path) {
  if (!cache.has(key)) {
    const p = fetchJSON(path).catch(err => {
      cache.delete(key)
      throw err
    })
    cache.set(key, p)
  }
  return cache.get(key)
}

function shard(k) {
  return cached(shardCache, k, `t/${k}.json`)
}

function chunk(c) {
  return cached(chunkCache, c, `d/${c}.json`)
}

/* Loaded shards, by number (filled by `load`). */
const loaded = new Map()

async function load(terms) {
  const need = new Set()
  for (const t of terms)
    if (t) {
      const k = shardOf(t)
      if (!loaded.has(k)) need.add(k)
    }
  await Promise.all([...need].map(async k => loaded.set(k, await shard(k))))
}

function entry(term) {
  return loaded.get(shardOf(term))
}

function freq(word) {
  const s = entry(word)
  return s ? s.w[word] || 0 : 0
}

function postings(term) {
  const s = entry(term)
  return s ? s.p[term] : undefined
}

/* ------------------------------------------------------------- segmentation */

/* jieba's maximum-probability route over the index vocabulary (analyze.VocabSegmenter). */
function cut(run, exclude) {
  const n = run.length
  if (!n) return []
  const logTotal = Math.log(meta.total || 1)
  const maxLen = meta.maxlen || 1
  const score = new Float64Array(n + 1)
  const end = new Int32Array(n + 1)
  for (let i = n - 1; i >= 0; i--) {
    let best = Math.log(Math.max(freq(run[i]), 1)) - logTotal + score[i + 1]
    let bestJ = i
    for (let j = i + 1; j < Math.min(n, i + maxLen); j++) {
      const w = run.slice(i, j + 1)
      if (w === exclude) continue
      const f = freq(w)
      if (f) {
        const c = Math.log(f) - logTotal + score[j + 1]
        if (c > best || (c === best && j > bestJ)) {
          best = c
          bestJ = j
        }
      }
    }
    score[i] = best
    end[i] = bestJ
  }
  const out = []
  for (let i = 0; i < n;) {
    out.push(run.slice(i, end[i] + 1))
    i = end[i] + 1
  }
  return out
}

function segment(folded) {
  const out = []
  for (const m of folded.matchAll(TOKEN)) {
    const tok = m[0]
    if (isCjk(tok[0])) out.push(...cut(tok))
    else out.push(tok)
  }
  return out
}

function subwordsOf(raw) {
  const out = []
  for (const m of raw.normalize("NFKC").matchAll(LATIN_RAW)) {
    const parts = (m[0].match(CAMEL) || []).map(p => p.toLowerCase())
    if (parts.length > 1) out.push(...parts)
  }
  return out
}

function bigrams(folded) {
  const out = []
  for (const m of folded.matchAll(CJK_RUN)) {
    const run = m[0]
    for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2))
  }
  return out
}

/* Edit distance with adjacent swaps, capped at limit + 1 (search._osa). */
function osa(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let prev2 = [], prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    let low = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2] + 1)
      cur.push(v)
      if (v < low) low = v
    }
    if (low > limit) return limit + 1
    prev2 = prev
    prev = cur
  }
  return prev[b.length]
}

function latinTerms(word) {
  const s = entry(word)
  return s ? Object.keys(s.p).filter(t => t[0] !== "#" && !isCjk(t)) : []
}

function df(term) {
  const p = postings(term)
  return p ? p.length / 2 : 0
}

function spellingNeighbours(word) {
  if (word.length < 5 || !/^[\x00-\x7f]+$/.test(word) || !/[a-z]/.test(word)) return []
  const limit = word.length < 8 ? 1 : 2
  const found = []
  for (const cand of latinTerms(word)) {
    if (Math.abs(cand.length - word.length) > limit) continue
    if (cand[0] !== word[0]) continue
    const d = osa(word, cand, limit)
    if (d <= limit) found.push([d, -df(cand), cand])
  }
  found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : 1))
  return found.slice(0, 3).map(x => x[2])
}

/* analyze.stem, step for step: plurals, -ed and -ing, a final y, a final e. */
const VOWEL = /[aeiou]|(?<=[^aeiou])y/, DOUBLE = /([^aeiouslz])\1$/, SHORT = /^[^aeiou]*[aeiouy][^aeiouwxy]$/
function stem(word) {
  if (word.length <= 3 || !/^[A-Za-z]+$/.test(word)) return word
  let w = word
  if (w.endsWith("sses") || w.endsWith("ies")) w = w.slice(0, -2)
  else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) w = w.slice(0, -1)
  if (w.endsWith("eed")) {
    if (VOWEL.test(w.slice(0, -3))) w = w.slice(0, -1)
  } else {
    for (const suffix of ["ing", "ed"]) {
      const head = w.slice(0, w.length - suffix.length)
      if (w.endsWith(suffix) && head.length > 1 && VOWEL.test(head)) {
        w = head
        if (w.endsWith("at") || w.endsWith("bl") || w.endsWith("iz")) w += "e"
        else if (DOUBLE.test(w)) w = w.slice(0, -1)
        else if (SHORT.test(w)) w += "e"
        break
      }
    }
  }
  if (w.endsWith("y") && w.length > 2 && VOWEL.test(w.slice(0, -1))) w = w.slice(0, -1) + "i"
  if (w.endsWith("e") && w.length > 4) w = w.slice(0, -1)
  return w
}

/* Known words of an unknown word's stem, most common first (query._same_stem): a stem
   keeps the first letter, so they are in the word's shard. */
function sameStem(word) {
  const key = stem(word)
  if (key === word || !/^[\x00-\x7f]+$/.test(word)) return []
  return latinTerms(word)
    .filter(t => t[0] === word[0] && t !== word && stem(t) === key)
    .map(t => [-df(t), t])
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))
    .slice(0, 4)
    .map(x => x[1])
}

function completions(word) {
  if (word.length < 2) return []
  return latinTerms(word)
    .filter(t => t.length > word.length && t.startsWith(word))
    .sort((a, b) => df(b) - df(a))
    .slice(0, PREFIX_MAX)
}

/* -------------------------------------------------------------------- query */

function setupGlossary() {
  synonyms = new Map()
  glossaryMaxLen = 1
  for (const group of meta.glossary || []) {
    for (const member of group) {
      const key = member.join(" ")
      glossaryMaxLen = Math.max(glossaryMaxLen, member.length)
      const others = synonyms.get(key) || []
      for (const o of group)
        if (o.join(" ") !== key && !others.some(x => x.join(" ") === o.join(" ")))
          others.push(o)
      synonyms.set(key, others)
    }
  }
}

function glossaryTokens(tokens) {
  const out = []
  for (const [key, others] of synonyms)
    for (const t of tokens)
      if (key.split(" ").includes(t)) {
        for (const o of others) out.push(...o)
        break
      }
  return out
}

function known(term) {
  return isCjk(term) ? true : postings(term) !== undefined
}

/* Query text -> groups of weighted alternatives (search._parse). */
function parse(raw, folded, tokens, typing) {
  const groups = []
  const extra = []
  const marks = []
  const concept = new Map()
  const synonymsOf = key => {
    const out = []
    for (const other of synonyms.get(key.join(" ")) || []) {
      const content = other.filter(t => !stop.has(t))
      if (content.length === 1 && other.length > 1) continue
      if (content.length && content.join(" ") !== key.join(" ") && content.every(known))
        out.push(content)
    }
    return out
  }
  const last = tokens.length - 1
  tokens.forEach((tok, idx) => {
    if (concept.has(tok) || groups.length >= W.maxGroups) return
    if (stop.has(tok)) {
      concept.set(tok, -1)
      return
    }
    const n = groups.length
    concept.set(tok, n)
    const alts = [{ toks: [tok], w: 1 }]
    marks.push(tok)
    if (isCjk(tok)) {
      if (tok.length >= 3) {
        const parts = freq(tok) ? cut(tok, tok) : cut(tok).length > 1 ? cut(tok) : []
        if (parts.length > 1) {
          alts.push({ toks: parts, w: W.subword_alt })
          marks.push(...parts)
        }
      }
    } else {
      /* mysql8.0 also finds "mysql 8.0" written apart (analyze.alnum_runs). */
      const runs = tok.match(ALNUM_RUN) || []
      if (runs.length > 1) {
        alts.push({ toks: runs, w: W.subword_alt })
        marks.push(...runs)
      }
      const s = entry(tok)
      const variants = (s && s.v[tok]) || []
      for (const v of variants.slice(0, 4)) {
        alts.push({ toks: [v], w: W.stem })
        marks.push(v)
      }
      /* Another form of a known word (its stem's), else (below) a misspelling of one. */
      const forms = postings(tok) === undefined && !variants.length ? sameStem(tok) : []
      for (const f of forms) {
        alts.push({ toks: [f], w: W.stem })
        marks.push(f)
      }
      /* The word being typed also searches its completions that are more common than itself. */
      const more = typing && idx === last ? completions(tok).filter(c => df(c) > df(tok)) : []
      for (const c of more) {
        alts.push({ toks: [c], w: W.prefix })
        marks.push(c)
      }
      if (postings(tok) === undefined && !variants.length && !forms.length && !more.length)
        for (const near of spellingNeighbours(tok)) {
          alts.push({ toks: [near], w: W.fuzzy })
          marks.push(near)
        }
    }
    const keys = [[tok], ...alts.slice(1).filter(a => a.toks.length === 1).map(a => a.toks)]
    for (const key of keys)
      for (const syn of synonymsOf(key))
        if (!alts.some(a => a.toks.join(" ") === syn.join(" "))) {
          alts.push({ toks: syn, w: W.synonym })
          marks.push(...syn)
        }
    groups.push({ alts, weight: 1, covers: [n] })
  })
  /* Glossary phrases of several query words add their synonyms. */
  for (let n = Math.min(glossaryMaxLen, tokens.length); n > 1; n--)
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n)
      const syns = synonymsOf(key)
      if (syns.length) {
        const covers = [...new Set(key.map(t => concept.get(t)).filter(c => c !== undefined && c >= 0))]
        extra.push({ alts: syns.map(s => ({ toks: s, w: 1 })), weight: W.synonym, covers })
        for (const s of syns) marks.push(...s)
      }
    }
  /* Parts of compound identifiers (NacosException -> nacos, exception). */
  for (const p of new Set(subwordsOf(raw)))
    if (!concept.has(p) && !stop.has(p))
      extra.push({ alts: [{ toks: [p], w: 1 }], weight: W.subword, covers: [] })
  /* Chinese bigrams: recall whatever the segmenter did with the text. */
  const grams = [...new Set(bigrams(folded))].slice(0, W.maxGroups)
  for (const g of grams)
    extra.push({ alts: [{ toks: ["#" + g], w: 1 }], weight: W.gram / Math.sqrt(grams.length), covers: [] })
  return { groups: groups.concat(extra), marks: [...new Set(marks)], words: groups.map(g => g.alts[0].toks[0]) }
}

/* doc number -> impact, for one term */
function termScores(term) {
  const p = postings(term)
  const out = new Map()
  if (!p) return out
  let d = 0
  for (let i = 0; i < p.length; i += 2) {
    d += p[i]
    out.set(d, p[i + 1])
  }
  return out
}

/* ranking.combine: an alternative scores the sum of its terms' weights in a document
   holding all of them; a group its best alternative plus a share of the others; groups
   add up; coordination rewards documents matching more of the query's words.
   -> [[score, doc, concepts matched (Set)], ...], best first, ties to the first document. */
function rank(groups, concepts) {
  const total = new Map()
  const matched = new Map()
  for (const g of groups) {
    const best = new Map()
    const rest = new Map()
    for (const alt of g.alts) {
      const lists = alt.toks.map(termScores)
      if (!lists.length || lists.some(l => !l.size)) continue
      lists.sort((a, b) => a.size - b.size)
      for (const [d, v0] of lists[0]) {
        let v = v0
        let all = true
        for (let i = 1; i < lists.length && all; i++) {
          const x = lists[i].get(d)
          if (x === undefined) all = false
          else v += x
        }
        if (!all) continue
        const score = alt.w * v
        const old = best.get(d)
        if (old === undefined) best.set(d, score)
        else if (score > old) {
          best.set(d, score)
          rest.set(d, (rest.get(d) || 0) + old)
        } else rest.set(d, (rest.get(d) || 0) + score)
      }
    }
    for (const [d, score] of best) {
      total.set(d, (total.get(d) || 0) + g.weight * (score + W.alt_share * (rest.get(d) || 0)))
      if (g.covers.length) {
        const m = matched.get(d) || new Set()
        for (const c of g.covers) m.add(c)
        matched.set(d, m)
      }
    }
  }
  const scored = []
  for (let [d, s] of total) {
    const m = matched.get(d)
    if (concepts > 1) s *= 1 - W.coord + W.coord * (m ? m.size : 0) / concepts
    scored.push([s, d, m || new Set()])
  }
  scored.sort((a, b) => b[0] - a[0] || a[1] - b[1])
  return scored
}

/* ---------------------------------------------------------------- highlight */

/* Where the marks occur in text, longest first, no overlaps (snippets._spans). */
function markSpans(text, marks) {
  const chars = [...String(text || "")]
  /* One folded character per character, so positions carry over. */
  let folded = ""
  for (const ch of chars) {
    const f = foldChar(ch)
    folded += f.length === 1 ? f : ch.length === 1 ? ch.toLowerCase() : "\u0000"
  }
  const spans = []
  const words = [...new Set(marks)].filter(w => w && !w.startsWith("#"))
    .sort((a, b) => b.length - a.length)
  for (const w of words) {
    const latin = !isCjk(w)
    if (latin && w.length < 2) continue
    let from = 0
    for (;;) {
      const at = folded.indexOf(w, from)
      if (at < 0) break
      from = at + 1
      const e = at + w.length
      if (latin && ((at > 0 && /[a-z0-9]/.test(folded[at - 1])) || (e < folded.length && /[a-z0-9]/.test(folded[e]))))
        continue
      if (!spans.some(([s, t]) => at < t && s < e)) spans.push([at, e, w])
    }
  }
  spans.sort((a, b) => a[0] - b[0])
  return { chars, spans }
}

/* text -> [[text, marked], ...] */
function highlightParts(text, marks) {
  const { chars, spans } = markSpans(text, marks)
  const out = []
  let pos = 0
  for (const [s, e] of spans) {
    if (s > pos) out.push([chars.slice(pos, s).join(""), false])
    out.push([chars.slice(s, e).join(""), true])
    pos = e
  }
  if (pos < chars.length || !out.length) out.push([chars.slice(pos).join(""), false])
  return out
}

function partsHTML(parts) {
  return parts.map(([text, marked]) => marked ? "<mark>" + escapeHTML(text) + "</mark>" : escapeHTML(text)).join("")
}

/* The text holding the most distinct query words, the first on a tie, -1 for none
   (snippets.best_passage). */
function bestPassage(texts, marks) {
  let best = -1, bestCount = 0
  texts.forEach((text, i) => {
    const count = new Set(markSpans(text, marks).spans.map(sp => sp[2])).size
    if (count > bestCount) { best = i; bestCount = count }
  })
  return best
}

/* -------------------------------------------------------------------- search */

/* The query's results above the score floor, best first, with what marks them
   (null: nothing to search for, or nothing found). */
async function rankQuery(query) {
  const raw = String(query || "").slice(0, W.maxChars)
  const clean = [...raw.normalize("NFKC")].map(ch => /[\p{C}]/u.test(ch) ? " " : ch).join("")
  const folded = fold(clean)
  const typing = !/\s$/.test(raw)
  /* Round 1: the shards of every character a word of the query can start with. */
  const starts = []
  for (const m of folded.matchAll(TOKEN))
    if (isCjk(m[0][0])) starts.push(...m[0])
    else starts.push(m[0])
  for (const p of subwordsOf(clean)) starts.push(p)
  await load(starts)
  const tokens = segment(folded)
  if (!tokens.length) return null
  /* Round 2: the shards of glossary synonyms, word forms. */
  await load(glossaryTokens(tokens))
  const { groups, marks, words } = parse(clean, folded, tokens, typing)
  if (!groups.length) return null
  await load(groups.flatMap(g => g.alts.flatMap(a => a.toks)))
  const scored = rank(groups, words.length)
  if (!scored.length) return null
  const floor = scored[0][0] * W.min_relative
  return { top: scored.filter(s => s[0] >= floor), marks, words }
}

/* Results from..to of a ranking: {location, title, text (as parts), score, terms}. */
async function resultsOf({ top, marks, words }, from, to) {
  const slice = top.slice(from, to)
  const needed = [...new Set(slice.map(([, d]) => Math.floor(d / meta.chunk)))]
  const docs = new Map(await Promise.all(needed.map(async c => [c, await chunk(c)])))
  return slice.map(([score, d, matched]) => {
    const [location, title, teaser, passages] = docs.get(Math.floor(d / meta.chunk))[d % meta.chunk]
    /* The opening lines, or the answer's step, command or config line that holds more of the query. */
    const shown = [teaser, ...(passages || [])]
    const pick = bestPassage(shown, marks)
    const text = pick > 0 ? "… " + shown[pick] : teaser
    /* Material lists the query words a result lacks, and highlights the others on its page. */
    const terms = {}
    words.forEach((w, i) => { terms[w] = matched.has(i) })
    return {
      location,
      title: highlightParts(title, marks),
      text: highlightParts(text, marks),
      score: Math.round(score / (meta.scale || 1) * 100) / 100,
      terms
    }
  })
}

/* The ranking and Material's first results (title and text as HTML, escaped but for <mark>). */
async function search(query) {
  const found = await rankQuery(query)
  const results = found ? await resultsOf(found, 0, paged ? PAGE : MAX_RESULTS) : []
  return { found, items: results.map(r => [{ ...r, title: partsHTML(r.title), text: partsHTML(r.text) }]) }
}

/* The next page of the latest query's results (none when another query came since). */
async function more(data) {
  const query = data && data.query
  const from = Math.max(0, Math.floor(Number(data && data.from) || 0))
  if (!ranked || ranked.query !== query)
    return { query, from, total: 0, items: [] }
  return { query, from, total: ranked.top.length, items: await resultsOf(ranked, from, from + PAGE) }
}

async function setup(data) {
  const config = (data && data.config) || {}
  base = new URL("../../search/kb/", self.location.href)
  meta = config.kb || null
  if (!meta) {
    const res = await fetch(new URL("meta.json", base), { cache: "no-cache" })
    meta = await res.json()
  }
  stop = new Set(meta.stop || [])
  meta.t2s = meta.t2s || {}
  const spec = meta.ranking
  W = { ...spec.weights, maxGroups: spec.max_query_groups, maxChars: spec.max_query_chars,
        min_relative: spec.min_relative_score }
  setupGlossary()
}

async function handler(message) {
  switch (message.type) {
    case SETUP:
      await setup(message.data)
      return { type: READY }
    case QUERY: {
      const seq = ++latest
      let found = null, items = []
      try {
        ({ found, items } = await search(message.data))
      } catch (err) {
        console.warn("kb search:", err)
      }
      if (seq !== latest) return null
      ranked = found && { query: message.data, ...found }
      /* `query` lets the page script, tests and benchmarks match results to queries */
      return { type: RESULT, data: { items, total: found ? found.top.length : 0, query: message.data } }
    }
    case HELLO:
      paged = true
      return null
    case MORE:
      try {
        return { type: PAGE_RESULT, data: await more(message.data) }
      } catch (err) {
        console.warn("kb search:", err)
        const { query, from } = message.data || {}
        return { type: PAGE_RESULT, data: { query, from, total: 0, items: [] } }
      }
    default:
      throw new TypeError("Invalid message type")
  }
}

if (typeof module === "undefined" && typeof addEventListener === "function")
  addEventListener("message", async ev => {
    const reply = await handler(ev.data)
    if (reply) postMessage(reply)
  })

/* For tests in Node: the pure functions. */
if (typeof module !== "undefined")
  module.exports = { escapeHTML, osa, stem, handler, analyse: async q => { const raw = q, clean = [...raw.normalize("NFKC")].map(ch => /[\p{C}]/u.test(ch) ? " " : ch).join(""), folded = fold(clean); const starts = []; for (const m of folded.matchAll(TOKEN)) if (isCjk(m[0][0])) starts.push(...m[0]); else starts.push(m[0]); for (const p of subwordsOf(clean)) starts.push(p); await load(starts); const tokens = segment(folded); await load(glossaryTokens(tokens)); const r = parse(clean, folded, tokens, false); await load(r.groups.flatMap(g => g.alts.flatMap(a => a.toks))); return r } }
