'use strict';
// The station's alarm list. The server sends the whole list on every (re)connect ("alarms") and each change
// afterwards ("alarm", "alarm-removed"); commands are sent and the row shows the new state only when the alarm
// engine's event comes back.
(() => {
  const F = TocsinFormat;
  const alarms = new Map();       // alarmId -> alarm
  const pending = new Map();      // alarmId -> {what, at}: what was asked, until the engine answers
  const NO_ANSWER_MS = 30000;
  const silenced = new Set();     // alarmIds whose sound was silenced locally
  let station = '';
  let audio = null;

  function say(text, kind) {
    const messages = document.getElementById('messages');
    const line = F.element('div', 'message ' + (kind || ''), new Date().toLocaleTimeString() + ' ' + text);
    messages.prepend(line);
    while (messages.childElementCount > 5) messages.lastElementChild.remove();
  }

  function render() {
    const rows = document.getElementById('alarm-rows');
    const sorted = [...alarms.values()].sort(F.compare);
    rows.replaceChildren(...sorted.map(row));
    document.getElementById('no-alarms').classList.toggle('hidden', sorted.length > 0);
    updateSound();
  }

  function row(alarm) {
    const tr = F.element('tr', 'alarm sev-' + alarm.severity.toLowerCase() + ' state-' + alarm.state.toLowerCase());
    tr.dataset.alarmId = alarm.alarmId;
    tr.dataset.state = alarm.state;
    tr.dataset.severity = alarm.severity;
    tr.append(
        F.element('td', 'level', alarm.severity),
        F.element('td', 'state', F.STATE_TEXT[alarm.state] || alarm.state),
        F.element('td', 'site', alarm.siteName + (alarm.zoneId ? ' / zone ' + alarm.zoneId : '')),
        F.element('td', 'sensor', alarm.sensorId + (alarm.kind === 'FAULT' ? ' (sensor fault)' : '')),
        F.element('td', 'value', F.number(alarm.value) + ' / ' + F.number(alarm.threshold)),
        F.element('td', 'raised', F.time(alarm.raisedAtMs) + ' (' + F.age(alarm.raisedAtMs) + ')'),
        F.element('td', 'actor', alarm.actor || ''),
        notes(alarm),
        actions(alarm));
    return tr;
  }

  function notes(alarm) {
    const td = F.element('td', 'notes');
    if (alarm.escalatedToYouFrom.length > 0) {
      td.append(F.element('span', 'escalated', 'Escalated to you from ' + alarm.escalatedToYouFrom.join(', ')));
    } else if (alarm.escalationLevel > 0) {
      td.append(F.element('span', 'escalated', 'Escalated (level ' + alarm.escalationLevel + ')'));
    }
    if (alarm.flapping) td.append(F.element('span', 'note', 'Flapping'));
    if (alarm.state === 'SHELVED' && alarm.shelvedUntilMs) {
      td.append(F.element('span', 'note', 'Shelved until ' + F.time(alarm.shelvedUntilMs)));
    }
    if (alarm.comment) td.append(F.element('span', 'note', '“' + alarm.comment + '”'));
    return td;
  }

  function actions(alarm) {
    const td = F.element('td', 'actions');
    const waiting = pending.get(alarm.alarmId);
    if (waiting) {
      td.append(F.element('span', 'waiting', waiting.what + ' sent, waiting for the alarm engine …'));
      return td;
    }
    if (F.unacknowledged(alarm)) {
      const ack = F.element('button', 'ack', 'Acknowledge');
      ack.type = 'button';
      ack.addEventListener('click', () => command(alarm, {type: 'acknowledge', alarmId: alarm.alarmId},
          'Acknowledge'));
      td.append(ack);
    }
    if (alarm.state === 'ACTIVE_UNACKNOWLEDGED' || alarm.state === 'ACTIVE_ACKNOWLEDGED') {
      const shelve = F.element('button', 'shelve', 'Shelve …');
      shelve.type = 'button';
      shelve.addEventListener('click', () => {
        const reason = prompt('Why is ' + alarm.sensorId + ' at ' + alarm.siteName + ' shelved?');
        if (!reason) return;
        const minutes = parseInt(prompt('For how many minutes (1 to 480)?', '60'), 10);
        if (!(minutes >= 1 && minutes <= 480)) return;
        command(alarm, {type: 'shelve', alarmId: alarm.alarmId, comment: reason, minutes: minutes}, 'Shelve');
      });
      td.append(shelve);
    }
    return td;
  }

  function command(alarm, message, what) {
    if (!TocsinConnection.send(message)) {
      say(what + ' not sent: no connection to the alarm server.', 'error');
      return;
    }
    pending.set(alarm.alarmId, {what: what, at: Date.now()});
    render();
  }

  // Sound: a beep every 1.5 s while a red or orange alarm is unacknowledged (and not silenced on this screen).
  function alerting() {
    return [...alarms.values()].some(a => (a.severity === 'RED' || a.severity === 'ORANGE')
        && F.unacknowledged(a) && !silenced.has(a.alarmId));
  }

  function updateSound() {
    const on = alerting();
    document.body.dataset.alerting = String(on);
    document.getElementById('silence').disabled = !on;
    const soundButton = document.getElementById('sound');
    // Browsers keep audio off until someone clicks on the page: say so from the start of the shift, not only
    // when the first alarm is already silent.
    soundButton.classList.toggle('hidden', !audio || audio.state === 'running');
  }

  function beep() {
    if (!alerting() || !audio || audio.state !== 'running') return;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = 'square';
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.5);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.5);
  }

  function initAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = new Context();
    audio.onstatechange = updateSound;
    // Browsers start audio only after a gesture on the page: any click or key enables it.
    const resume = () => audio.resume().then(updateSound);
    document.addEventListener('click', resume);
    document.addEventListener('keydown', resume);
    setInterval(beep, 1500);
  }

  function onMessage(message) {
    switch (message.type) {
      case 'hello':
        station = message.station;
        document.getElementById('station').textContent = '— ' + message.station;
        document.getElementById('coverage').textContent = message.allSites ? 'all sites'
            : 'covers ' + message.sites.map(s => s.siteName).join(', ');
        TocsinConnection.feed(message);
        break;
      case 'alarms':
        alarms.clear();
        message.alarms.forEach(a => alarms.set(a.alarmId, a));
        for (const id of [...pending.keys()]) if (!alarms.has(id)) pending.delete(id);
        TocsinConnection.feed(message);
        render();
        break;
      case 'alarm': {
        const before = alarms.get(message.alarm.alarmId);
        if (before && before.state !== message.alarm.state) pending.delete(message.alarm.alarmId);
        alarms.set(message.alarm.alarmId, message.alarm);
        render();
        break;
      }
      case 'alarm-removed':
        alarms.delete(message.alarmId);
        pending.delete(message.alarmId);
        silenced.delete(message.alarmId);
        render();
        break;
      case 'command':
        if (!message.sent) {
          pending.delete(message.alarmId);
          say(message.command + ' of ' + message.alarmId + ' not sent: ' + message.reason, 'error');
          render();
        }
        break;
      case 'command-result':
        if (message.accepted) {
          // The state change normally comes with it; if the command changed nothing, stop waiting.
          setTimeout(() => { if (pending.delete(message.alarmId)) render(); }, 5000);
        } else {
          pending.delete(message.alarmId);
          say('The alarm engine refused ' + message.command + ' of ' + message.alarmId + ': ' + message.refusal,
              'error');
          render();
        }
        break;
      case 'heartbeat':
        TocsinConnection.feed(message);
        break;
      case 'error':
        say(message.message, 'error');
        break;
    }
  }

  document.getElementById('silence').addEventListener('click', () => {
    alarms.forEach(a => { if (F.unacknowledged(a)) silenced.add(a.alarmId); });
    updateSound();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await fetch('/api/logout', {method: 'POST'});
    location.href = '/login.html';
  });
  // A command nobody answered: say so and offer the button again.
  setInterval(() => {
    for (const [alarmId, asked] of pending) {
      if (Date.now() - asked.at > NO_ANSWER_MS) {
        pending.delete(alarmId);
        say(asked.what + ' of ' + alarmId + ': no answer from the alarm engine within 30 s. Try again, or '
            + 'use the fallback procedure.', 'error');
        render();
      }
    }
  }, 5000);
  // The ages in the list move on.
  setInterval(() => { if (alarms.size > 0 && pending.size === 0) render(); }, 30000);
  initAudio();
  TocsinConnection.start({onMessage: onMessage});
})();
