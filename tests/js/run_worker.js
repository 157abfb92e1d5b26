/* Runs kb's search worker (kb_builder/theme/assets/javascripts/kb-search-worker.js) under Node
   against a built site folder: `node run_worker.js WORKER SITE` reads one JSON query per line
   on stdin ({"q": "...", "typing": false}) and prints one JSON line per query: the results
   as [location, text shown], best first.  With "all": true, it asks as the site's page
   script does (first page, then the next ones until there are none) and prints
   {"total": the worker's count, "pages": the pages' sizes, "items": every result}.
   fetch() reads the site's files. */
"use strict"
const fs = require("fs")
const path = require("path")
const readline = require("readline")

const [workerPath, site] = process.argv.slice(2)
globalThis.self = { location: { href: "http://kb.test/assets/javascripts/kb-search-worker.js" } }
globalThis.fetch = async url => {
  const file = path.join(site, decodeURIComponent(new URL(url).pathname))
  try {
    const body = fs.readFileSync(file, "utf8")
    return { ok: true, status: 200, json: async () => JSON.parse(body) }
  } catch (e) {
    return { ok: false, status: 404, json: async () => null }
  }
}
const worker = require(path.resolve(workerPath))

async function main() {
  const material = JSON.parse(fs.readFileSync(path.join(site, "search", "search_index.json"), "utf8"))
  await worker.handler({ type: 0, data: { config: material.config, docs: [] } })
  const rl = readline.createInterface({ input: process.stdin })
  for await (const line of rl) {
    if (!line.trim()) continue
    const { q, typing, all } = JSON.parse(line)
    /* A query ending in a space is a finished one: no completions of its last word. */
    const query = typing ? q : q + " "
    if (all) await worker.handler({ type: "kb:hello" })
    const reply = await worker.handler({ type: 2, data: query })
    const items = reply ? reply.data.items.map(i => [i[0].location, i[0].text]) : []
    if (!all) {
      process.stdout.write(JSON.stringify(items) + "\n")
      continue
    }
    const total = reply ? reply.data.total : 0
    const pages = [items.length]
    while (items.length < total) {
      const page = (await worker.handler({ type: "kb:more", data: { query, from: items.length } })).data
      if (!page.items.length) break
      pages.push(page.items.length)
      items.push(...page.items.map(r => [r.location, r.text.map(([text]) => text).join("")]))
    }
    process.stdout.write(JSON.stringify({ total, pages, items }) + "\n")
  }
}
main().catch(e => { console.error(e); process.exit(1) })
