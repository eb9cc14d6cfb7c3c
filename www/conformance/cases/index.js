// All conformance cases, in the order they run.
import parsing from './parsing.js';
import api from './api.js';
import request from './request.js';
import response from './response.js';
import reconnection from './reconnection.js';
import redirects from './redirects.js';
import cors from './cors.js';
import extensions from './extensions.js';
import failure from './failure.js';
import urls from './urls.js';
import timing from './timing.js';
import dispatch from './dispatch.js';
import lasteventid from './lasteventid.js';
import transports from './transports.js';
import wpt from './wpt.js';
import fromStream from './from-stream.js';

export const SECTIONS = ['parsing', 'api', 'request', 'response', 'reconnection', 'redirects', 'cross-origin', 'failure', 'extensions', 'from-stream'];

const all = [
  ...parsing, ...api, ...urls, ...dispatch, ...request, ...response, ...reconnection, ...timing, ...lasteventid, ...wpt,
  ...redirects, ...cors, ...failure, ...extensions, ...transports, ...fromStream,
];

const seen = new Set();
for (const c of all) {
  if (seen.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
  seen.add(c.id);
  if (!SECTIONS.includes(c.section)) throw new Error(`case ${c.id}: unknown section ${c.section}`);
}

export default all;
