// Imported first by module.js: records whether this worker has a native EventSource, deletes it.
self.nativePresent = typeof self.EventSource === 'function';
delete self.EventSource;
