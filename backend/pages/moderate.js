// Loads the moderation view's own WebAssembly bundle (never the reader's),
// in the moderator's language: the one they chose in the view (kept in this
// browser), else the first of the browser's that Chime speaks, else English.
// Its words come as the widget's do (chime.js: the same list and files).
import { LOCALES, canonical, nearest, words } from "/widget/chime.js";

// This file's own words in English; the locale files have them too.
const EN = {"ModLoading": "Loading the moderation view…", "ModLoaderFailed": "The moderation view could not be loaded. Reload the page to try again."};
const root = document.getElementById("chime-moderate");
let chosen = null;
try {
  chosen = localStorage.getItem("chime.moderation.locale");
} catch {}
const english = (tag) => /^en(-|$)/i.test(tag);
const asked = [chosen, ...navigator.languages].map((tag) => tag && canonical(tag)).filter(Boolean);
const pick = asked.find((tag) => english(tag) || nearest(tag)) || "en";
const module = import("/moderate/assets/chime-moderate.js");
module.catch(() => {});
const table = await words("moderation", nearest(pick));
const locale = table || english(pick) ? pick : "en";
const t = (key) => (typeof table?.[key] === "string" && table[key]) || EN[key];
document.documentElement.lang = locale;
root.textContent = t("ModLoading");
try {
  const m = await module;
  await m.default({ module_or_path: "/moderate/assets/chime-moderate_bg.wasm" });
  root.textContent = "";
  m.mount(root, locale, table, ["en", ...LOCALES]);
} catch (e) {
  root.textContent = t("ModLoaderFailed");
}
