// Loads the moderation view's own WebAssembly bundle (never the reader's).
const root = document.getElementById("chime-moderate");
try {
  const m = await import("/moderate/assets/chime-moderate.js");
  await m.default({ module_or_path: "/moderate/assets/chime-moderate_bg.wasm" });
  root.textContent = "";
  m.mount(root);
} catch (e) {
  root.textContent = "The moderation view could not be loaded. Reload the page to try again.";
}
