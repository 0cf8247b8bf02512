// wirewalk: the last resort when the app cannot report its own crash. A panic reaches the page as
// a WebAssembly trap; the app's handler (ui::on_trap) shows it, keeps a note and reloads at the
// last good view. If that handler cannot run (its module broken, memory gone), this does the
// same from plain JavaScript: the note for after the reload, then the reload, or the default
// view when the restored view crashed too. Loaded before the module; the page's policy allows
// only scripts of its own origin, so it is a file of its own.
//
// It also runs before the first paint (a plain script in <head>, so the page waits for it): the
// first screen prerendered into index.html is the view of a link without a query, so a link
// with one marks <html>, and the stylesheet keeps that markup hidden until the app has drawn
// its own (src/ui/mod.rs, `start`).
if (location.search) document.documentElement.setAttribute('data-link', '');
(() => {
  const KEY = 'wirewalk-crash';
  let restarting = false;
  const onTrap = (error) => {
    if (restarting || !(error instanceof WebAssembly.RuntimeError)) return;
    // After every listener of this event: the app's own handler has run by then.
    setTimeout(() => {
      if (restarting || document.getElementById('crash')) return;
      restarting = true;
      let again = false;
      try {
        again = sessionStorage.getItem(KEY) !== null;
        const what = again
          ? 'the link could not be opened, so the default view is shown'
          : 'the last good view was restored';
        sessionStorage.setItem(KEY, what + '. The error: A panic stopped the WebAssembly module (' + error.message + '), and the app could not report it itself.');
      } catch (_) {
        // No storage: the reload still brings the page back.
      }
      if (again) location.replace(location.pathname);
      else location.reload();
    }, 0);
  };
  addEventListener('error', (e) => onTrap(e.error));
  addEventListener('unhandledrejection', (e) => onTrap(e.reason));
})();
