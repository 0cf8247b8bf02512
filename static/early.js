// wirewalk: starts compiling the app's WebAssembly module while the page is still being parsed
// and its first screen (prerendered into index.html) laid out, instead of after, when the start
// script runs. It reads the module's address from the preload link Trunk writes (the same
// request, so the bytes are fetched once, and checked against the same integrity value); the
// start script (`cargo xtask secure-bundle` moves it to start-<hash>.js) instantiates the
// compiled module, or fetches the file itself when there is none (an old browser, a failure).
// A file of its own: the page's policy allows only scripts of its own origin.
{
  const link = document.querySelector('link[rel=preload][href$=".wasm"]');
  if (link && WebAssembly.compileStreaming) {
    window.__wirewalkModule = WebAssembly.compileStreaming(
      fetch(link.href, { integrity: link.integrity || undefined }),
    ).catch(() => null);
  }
}
