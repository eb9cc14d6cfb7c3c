// The first script of every page here (a file: the pages' policy allows no inline script).
// Records whether the browser has a native EventSource and the CSP violations the page causes,
// then deletes the native EventSource so that the polyfill installs and is used.
window.cspBoot = {
  nativePresent: typeof window.EventSource === 'function',
  violations: [],
};
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspBoot.violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
delete window.EventSource;
