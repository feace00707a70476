'use strict';
// The live link to the console server, shared by the alarm list and the control-room view.
//
// A console that silently stopped updating is dangerous, so: the banner is shown whenever the WebSocket is not
// open or nothing (not even a heartbeat) arrived for a while; the page reconnects by itself, and every
// (re)connect brings the whole alarm list again from the server.
const TocsinConnection = (() => {
  const SILENCE_LIMIT_MS = 15000; // three missed heartbeats
  let socket = null;
  let lastMessageAt = 0;
  let lostSince = null;
  let retryMs = 500;
  let handlers = {};

  function banner(text) {
    const element = document.getElementById('connection-banner');
    if (text) {
      element.textContent = text;
      element.classList.remove('hidden');
      document.body.dataset.connected = 'false';
    } else {
      element.classList.add('hidden');
      document.body.dataset.connected = 'true';
    }
  }

  function lost(why) {
    if (lostSince === null) {
      lostSince = new Date();
    }
    banner('CONNECTION TO THE ALARM SERVER LOST since ' + lostSince.toLocaleTimeString()
        + ' — new alarms are NOT shown. ' + why + ' Reconnecting …');
    if (handlers.onLost) {
      handlers.onLost();
    }
  }

  async function loggedIn() {
    try {
      const response = await fetch('/api/session', {cache: 'no-store'});
      return response.status !== 401;
    } catch (e) {
      return true; // server unreachable: keep trying, the login is probably still valid
    }
  }

  function connect() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
    let opened = false;
    socket = new WebSocket(url);
    socket.onopen = () => {
      opened = true;
      retryMs = 500;
      lastMessageAt = Date.now();
      lostSince = null;
      banner(null);
    };
    socket.onmessage = (event) => {
      lastMessageAt = Date.now();
      handlers.onMessage(JSON.parse(event.data));
    };
    socket.onclose = async () => {
      socket = null;
      if (!opened && !(await loggedIn())) {
        location.href = '/login.html?next=' + encodeURIComponent(document.body.dataset.page || '/alarms.html');
        return;
      }
      lost('');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }

  function watchdog() {
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastMessageAt > SILENCE_LIMIT_MS) {
      lost('Nothing heard from the server for ' + Math.round((Date.now() - lastMessageAt) / 1000) + ' s.');
      socket.close();
    }
    document.getElementById('clock').textContent = new Date().toLocaleTimeString();
  }

  return {
    start(h) {
      handlers = h;
      connect();
      setInterval(watchdog, 1000);
    },
    send(message) {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        return false;
      }
      socket.send(JSON.stringify(message));
      return true;
    },
    // Shows the server's own health: its alarm feed (Kafka) can be down while the page is connected.
    feed(message) {
      const element = document.getElementById('feed-banner');
      if (message.feedHealthy === false) {
        element.textContent = 'The alarm server has lost its alarm feed — the list may be out of date. '
            + 'Use the fallback procedure.';
        element.classList.remove('hidden');
      } else {
        element.classList.add('hidden');
      }
      document.getElementById('loading').classList.toggle('hidden', message.historyLoaded !== false);
    }
  };
})();

// Shared formatting.
const TocsinFormat = {
  SEVERITY_RANK: {RED: 1, ORANGE: 2, YELLOW: 3, BLUE: 4},
  STATE_RANK: {ACTIVE_UNACKNOWLEDGED: 0, ACTIVE_ACKNOWLEDGED: 0, RETURNED_UNACKNOWLEDGED: 1, SHELVED: 2,
    SUPPRESSED: 3},
  STATE_TEXT: {ACTIVE_UNACKNOWLEDGED: 'Active, unacknowledged', ACTIVE_ACKNOWLEDGED: 'Active, acknowledged',
    RETURNED_UNACKNOWLEDGED: 'Returned, unacknowledged', SHELVED: 'Shelved', SUPPRESSED: 'Suppressed'},
  // Active first, then red, orange, yellow, blue, then oldest first.
  compare(a, b) {
    return (TocsinFormat.STATE_RANK[a.state] ?? 4) - (TocsinFormat.STATE_RANK[b.state] ?? 4)
        || (TocsinFormat.SEVERITY_RANK[a.severity] ?? 5) - (TocsinFormat.SEVERITY_RANK[b.severity] ?? 5)
        || a.raisedAtMs - b.raisedAtMs
        || (a.alarmId < b.alarmId ? -1 : 1);
  },
  unacknowledged(alarm) {
    return alarm.state === 'ACTIVE_UNACKNOWLEDGED' || alarm.state === 'RETURNED_UNACKNOWLEDGED';
  },
  time(ms) {
    return ms ? new Date(ms).toLocaleTimeString() : '';
  },
  age(ms) {
    const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (seconds < 60) return seconds + ' s ago';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
    return Math.floor(seconds / 3600) + ' h ' + Math.floor(seconds % 3600 / 60) + ' min ago';
  },
  number(value) {
    return Number.isFinite(value) ? (Math.round(value * 10) / 10).toString() : String(value);
  },
  element(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }
};
