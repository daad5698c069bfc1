// leaky-server.js: a small node:http service with two leaks, for the
// walkthrough "Find a leak in five minutes" in README.md.
//
//   node -r ./tools/node/memsnap-capture.js examples/leaky-server.js   # the server
//   node examples/leaky-server.js --drive login 500     # 500 users log in
//   node examples/leaky-server.js --drive logout 500    # and log out again
//
// The server listens on 127.0.0.1, port $PORT (default 8517; PORT=0 picks
// a free one and prints it: give that one to the driver); the driver sends
// its requests, one after the other, to port $PORT, users user-1 to
// user-COUNT. GET /login?user=NAME opens a Session, GET /logout?user=NAME
// closes it, GET /health answers ok. Before it says it is ready, the
// server sends itself 200 requests to /health: the code that serves a
// request is compiled and optimized then, before the first snapshot, and
// not during the action (where it would be new, alive at the end, and
// fill the leaks report with V8's compiled code).
//
// The leaks, both in logout():
//   - every Session subscribes to the event bus ('config-changed') and is
//     never unsubscribed: the listener's closure keeps the Session alive;
//   - profileCache, a Map of UserProfile by name, only grows.
'use strict';
const http = require('node:http');
const { EventEmitter } = require('node:events');

const PORT = process.env.PORT === undefined ? 8517 : Number(process.env.PORT);
const WARM_UP = 200; // requests to /health before it says it is ready

class UserProfile {
  constructor(name) {
    this.name = name;
    this.displayName = `User ${name}`;
    this.preferences = { theme: 'light', language: 'en', pageSize: 25 };
  }
}

class Session {
  constructor(name, profile) {
    this.name = name;
    this.profile = profile;
    this.theme = profile.preferences.theme;
    const onConfigChanged = (config) => { this.theme = config.theme; };
    this.onConfigChanged = onConfigChanged;
  }
}

const bus = new EventEmitter(); // config changes, sent to every session
bus.setMaxListeners(0);
const sessions = new Map(); // name -> Session, while logged in
const profileCache = new Map(); // name -> UserProfile

function loadProfile(name) {
  let profile = profileCache.get(name);
  if (!profile) {
    profile = new UserProfile(name);
    profileCache.set(name, profile);
  }
  return profile;
}

function login(name) {
  const session = new Session(name, loadProfile(name));
  bus.on('config-changed', session.onConfigChanged);
  sessions.set(name, session);
  return `welcome ${session.profile.displayName}\n`;
}

function logout(name) {
  const session = sessions.get(name);
  if (!session) return `${name} is not logged in\n`;
  sessions.delete(name);
  return `bye ${name}\n`;
}

function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const name = url.searchParams.get('user') || 'anonymous';
  let body;
  if (url.pathname === '/login') body = login(name);
  else if (url.pathname === '/logout') body = logout(name);
  else if (url.pathname === '/health') body = 'ok\n';
  else {
    res.writeHead(404).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
}

// One GET; resolves with the status code.
function get(port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

async function drive(action, count) {
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= count; i++) {
    const status = await get(PORT, `/${action}?user=user-${i}`);
    if (status !== 200) throw new Error(`/${action}?user=user-${i}: HTTP ${status}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${count} ${action} requests to port ${PORT} in ${seconds.toFixed(2)} s`);
}

async function serve() {
  const server = http.createServer(handle);
  await new Promise((resolve) => server.listen(PORT, '127.0.0.1', resolve));
  const { port } = server.address();
  for (let i = 0; i < WARM_UP; i++) await get(port, '/health');
  console.log(`leaky-server: listening on http://127.0.0.1:${port}/ (pid ${process.pid})`);
}

const args = process.argv.slice(2);
if (args[0] === '--drive') {
  const action = args[1];
  const count = Number(args[2] || 500);
  if ((action !== 'login' && action !== 'logout') || !Number.isInteger(count) || count < 1) {
    console.error('usage: node leaky-server.js [--drive login|logout COUNT]');
    process.exit(2);
  }
  drive(action, count).catch((e) => {
    console.error(`leaky-server: ${e.message}`);
    process.exit(1);
  });
} else if (args.length === 0) {
  serve().catch((e) => {
    console.error(`leaky-server: ${e.message}`);
    process.exit(1);
  });
} else {
  console.error('usage: node leaky-server.js [--drive login|logout COUNT]');
  process.exit(2);
}
