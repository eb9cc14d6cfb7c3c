// Removes the native EventSource, first thing in a frame (a file, not an inline script, so that
// it runs under the strict Content-Security-Policy of tests/e2e/csp.test.mjs too).
delete window.EventSource;
