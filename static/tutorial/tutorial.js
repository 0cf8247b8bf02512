// Steps two embedded wirewalk frames in lockstep through wirewalk's postMessage API
// (README, "Embedding"). Everything shown is text; nothing from a message becomes markup.

const chapters = [
  ['tcp.ack', 'The TCP connection is open: the TLS handshake starts now.'],
  ['tls.client_hello', 'ClientHello: TLS 1.3 already sends its key share here.'],
  ['tls.server_hello', 'ServerHello: TLS 1.3 can derive its keys as soon as this arrives.'],
  ['tls.certificate', 'Certificate: encrypted in TLS 1.3, in the clear in TLS 1.2.'],
  ['tls.finished', 'The client\'s Finished: TLS 1.2 needs a second round trip to get here.'],
  ['http.request', 'The HTTP request leaves: one round trip earlier with TLS 1.3.'],
  ['http.response', 'The response headers arrive.'],
];

const frames = {
  tls12: document.getElementById('tls12'),
  tls13: document.getElementById('tls13'),
};
const ready = new Set();
let at = -1;

function nameOf(source) {
  return Object.keys(frames).find((k) => frames[k].contentWindow === source);
}

function send(message) {
  for (const f of Object.values(frames)) {
    f.contentWindow.postMessage(message, new URL(f.src).origin);
  }
}

function show() {
  const chapter = document.getElementById('chapter');
  if (ready.size < 2) {
    chapter.textContent = 'Loading the frames…';
  } else if (at < 0) {
    chapter.textContent = 'Press Next to start at the TCP handshake.';
  } else {
    chapter.textContent = `${at + 1}/${chapters.length} · ${chapters[at][1]}`;
  }
  document.getElementById('prev').disabled = at <= 0;
  document.getElementById('next').disabled = ready.size < 2 || at >= chapters.length - 1;
}

function go(i) {
  at = Math.max(0, Math.min(chapters.length - 1, i));
  send({ type: 'wirewalk:goto', step: chapters[at][0] });
  show();
}

window.addEventListener('message', (e) => {
  const name = nameOf(e.source);
  const d = e.data;
  if (!name || !d || typeof d.type !== 'string' || typeof d.step !== 'string') {
    return;
  }
  if (d.type === 'wirewalk:ready') {
    ready.add(name);
  }
  if (d.type === 'wirewalk:ready' || d.type === 'wirewalk:step') {
    const time = typeof d.time === 'number' ? `${d.time.toFixed(1)} ms` : '–';
    const out = document.getElementById(`time-${name}`);
    out.textContent = `${d.step} at ${time}`;
    out.dataset.step = d.step;
    out.dataset.time = String(d.time);
  }
  show();
});

document.getElementById('next').addEventListener('click', () => go(at + 1));
document.getElementById('prev').addEventListener('click', () => go(at - 1));
show();
