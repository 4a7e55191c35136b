// The status page: reads /api/services every REFRESH_MS, turns two successive reads into calls/s
// and an error rate per service, and renders one row per service and per endpoint. Every value
// from the API is set as text, never as HTML: service names and metadata come from registrations.
'use strict';

const REFRESH_MS = 1500;
const TOKEN_KEY = 'opizontas-admin-token';
let previous = null; // the last read: {timeMillis, calls: {service: {finished, failed}}}
let lastSuccess = 0;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers() {
  const t = token();
  return t ? { Authorization: 'Bearer ' + t } : {};
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showMessage(text, ok) {
  const message = document.getElementById('message');
  message.textContent = text;
  message.className = ok ? 'ok' : '';
  message.hidden = !text;
}

function rate(service, timeMillis) {
  const before = previous && previous.calls[service.name];
  const seconds = previous ? (timeMillis - previous.timeMillis) / 1000 : 0;
  if (!before || seconds <= 0) return { perSecond: null, errors: null };
  const finished = service.calls.finished - before.finished;
  const failed = service.calls.failed - before.failed;
  return { perSecond: finished / seconds, errors: finished > 0 ? failed / finished : null };
}

function render(data) {
  const rows = document.getElementById('rows');
  const fragment = document.createDocumentFragment();
  // Unhealthy first, the gateway's own services last: what needs a look is at the top.
  const order = { down: 0, degraded: 1, healthy: 2 };
  const services = data.services.slice().sort((a, b) =>
    (a.internal - b.internal) || (order[a.state] - order[b.state]) || a.name.localeCompare(b.name));
  const counts = { healthy: 0, degraded: 0, down: 0 };
  for (const service of services) {
    if (!service.internal) counts[service.state]++;
    fragment.appendChild(serviceRow(service, data.time_millis));
    for (const endpoint of service.endpoints) fragment.appendChild(endpointRow(service, endpoint));
  }
  rows.replaceChildren(fragment);
  const total = counts.healthy + counts.degraded + counts.down;
  document.getElementById('summary').textContent = total + (total === 1 ? ' service: ' : ' services: ')
    + counts.healthy + ' healthy, ' + counts.degraded + ' degraded, ' + counts.down + ' down';
  const calls = {};
  for (const service of data.services) calls[service.name] = service.calls;
  previous = { timeMillis: data.time_millis, calls };
}

function serviceRow(service, timeMillis) {
  const row = el('tr', 'service ' + service.state + (service.internal ? ' internal' : ''));
  row.dataset.service = service.name;
  row.dataset.state = service.state;
  const name = el('td', null, service.name);
  if (service.internal) name.appendChild(el('span', 'sources', ' (the gateway\'s own)'));
  row.appendChild(name);
  const state = el('td');
  state.appendChild(el('span', 'badge ' + service.state, service.state));
  state.appendChild(el('span', 'sources',
    ' ' + service.routable + '/' + service.endpoints.length + ' routable'));
  row.appendChild(state);
  const r = rate(service, timeMillis);
  row.appendChild(el('td', 'num calls-per-second', r.perSecond === null ? '…' : r.perSecond.toFixed(1)));
  row.appendChild(el('td', 'num error-rate' + (r.errors > 0 ? ' bad' : ''),
    r.errors === null ? '–' : (100 * r.errors).toFixed(1) + ' %'));
  row.appendChild(el('td', 'num', String(service.calls.in_flight)));
  row.appendChild(el('td', 'why', service.reason));
  const actions = el('td');
  if (!service.internal && service.endpoints.length > 0) {
    actions.appendChild(actionButton('Probe all', 'probe', { service: service.name }));
  }
  row.appendChild(actions);
  return row;
}

function endpointRow(service, endpoint) {
  const row = el('tr', 'endpoint' + (service.internal ? ' internal' : ''));
  row.dataset.service = service.name;
  row.dataset.endpoint = endpoint.address;
  row.dataset.state = endpoint.state;
  const address = el('td', null, endpoint.address);
  // The gateway's own services are reported by the gateway itself: no registry to name.
  const where = service.internal ? [] : [endpoint.sources.join(', ')];
  if (endpoint.weight !== 1) where.push('weight ' + endpoint.weight);
  if (endpoint.zone) where.push('zone ' + endpoint.zone);
  address.appendChild(el('span', 'sources', '  ' + where.filter(Boolean).join(' · ')));
  row.appendChild(address);
  const state = el('td');
  state.appendChild(el('span', 'badge ' + endpoint.state, endpoint.state));
  row.appendChild(state);
  row.appendChild(el('td'));
  row.appendChild(el('td'));
  row.appendChild(el('td', 'num', String(endpoint.in_flight)));
  row.appendChild(el('td', 'why', endpoint.reason));
  const actions = el('td');
  if (!service.internal) {
    const target = { service: service.name, endpoint: endpoint.address };
    actions.appendChild(endpoint.state === 'drained'
      ? actionButton('Undrain', 'undrain', target)
      : actionButton('Drain', 'drain', target));
    actions.appendChild(actionButton('Probe', 'probe', target));
  }
  row.appendChild(actions);
  return row;
}

function actionButton(label, action, target) {
  const button = el('button', null, label);
  button.type = 'button';
  button.addEventListener('click', () => act(action, target));
  return button;
}

async function act(action, target) {
  const query = new URLSearchParams(target).toString();
  try {
    const response = await fetch('/api/endpoints/' + action + '?' + query, { method: 'POST', headers: headers() });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      // 401: a token is configured and this tab has none or a wrong one; 403: none is configured.
      if (response.status === 401) askForToken('');
      showMessage(action + ' ' + (target.endpoint || target.service) + ': ' + (body.error || response.status));
      return;
    }
    showMessage(action + ' ' + (target.endpoint || target.service) + ': done', true);
    refresh();
  } catch (e) {
    showMessage(action + ' failed: ' + e);
  }
}

function askForToken(why) {
  document.getElementById('token-form').hidden = false;
  document.getElementById('token').focus();
  if (why) showMessage(why);
}

async function refresh() {
  try {
    const response = await fetch('/api/services', { headers: headers(), cache: 'no-store' });
    if (response.status === 401) {
      askForToken('This gateway\'s admin API needs a token to read its state.');
      return;
    }
    if (!response.ok) throw new Error('HTTP ' + response.status);
    render(await response.json());
    lastSuccess = Date.now();
    const updated = document.getElementById('updated');
    updated.textContent = 'updated ' + new Date().toLocaleTimeString();
    updated.className = '';
  } catch (e) {
    const updated = document.getElementById('updated');
    updated.textContent = 'cannot reach the admin API (' + e.message + ')'
      + (lastSuccess ? '; figures from ' + new Date(lastSuccess).toLocaleTimeString() : '');
    updated.className = 'stale';
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('token-form').addEventListener('submit', event => {
    event.preventDefault();
    const value = document.getElementById('token').value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    document.getElementById('token').value = '';
    document.getElementById('token-form').hidden = true;
    showMessage('');
    refresh();
  });
  document.getElementById('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showMessage('Token forgotten.', true);
  });
  document.getElementById('show-token').addEventListener('click', () => askForToken(''));
  refresh();
  setInterval(refresh, REFRESH_MS);
});
