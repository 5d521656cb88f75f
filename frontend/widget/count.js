// count.js: fills each [data-chime-count="article-id"] on a page (a list of
// headlines, a home page) with that article's comment count, "12 comments"
// in the page's language, in one request to the server that served it.
// See docs/EMBED.md, "Comment counts".
const base = new URL(".", import.meta.url);
// The widget's English (frontend/src/i18n/widget.rs, CommentCount).
const EN = {"one": "{count} comment", "other": "{count} comments"};
// API.md: /counts takes at most this many articles at once.
const MAX = 200;

// The count's forms and the tag to count in: the page's language, with the
// widget's locale file when it has one (fetched through chime.js, which
// article pages load anyway).
async function speech() {
  const asked = document.documentElement.lang || "en";
  if (/^en(-|$)/i.test(asked)) return [asked, EN];
  try {
    const m = await import(new URL("chime.js", base).href);
    const tag = m.canonical(asked);
    const table = tag && (await m.words("widget", m.nearest(tag)));
    if (table?.CommentCount) return [tag, table.CommentCount];
  } catch {}
  return ["en", EN];
}

// Fills the page's counts; a site that adds headlines later calls it again.
export async function fill() {
  const els = [...document.querySelectorAll("[data-chime-count]")];
  const ids = [...new Set(els.map((el) => el.getAttribute("data-chime-count")).filter(Boolean))];
  if (!ids.length) return;
  const counts = {};
  const asked = [];
  for (let i = 0; i < ids.length; i += MAX) {
    const query = ids.slice(i, i + MAX).map((id) => `article=${encodeURIComponent(id)}`).join("&");
    asked.push(fetch(new URL(`/api/v1/counts?${query}`, base)).then((r) => (r.ok ? r.json() : {})).then((r) => Object.assign(counts, r.counts)).catch(() => {}));
  }
  const [[tag, forms]] = await Promise.all([speech(), ...asked]);
  let plural, number;
  try {
    [plural, number] = [new Intl.PluralRules(tag), new Intl.NumberFormat(tag)];
  } catch {
    [plural, number] = [new Intl.PluralRules("en"), new Intl.NumberFormat("en")];
  }
  for (const el of els) {
    const n = counts[el.getAttribute("data-chime-count")];
    if (typeof n !== "number") continue;
    const form = typeof forms === "string" ? forms : forms[plural.select(n)] || forms.other || EN.other;
    el.textContent = form.replace("{count}", number.format(n));
  }
}

fill();
