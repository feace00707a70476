'use strict';
// The control-room view: per site, live tiles of sensor values (colour from the site's active alarms, a short
// trend), the gateways' online/offline state and the site's alarm list.
(() => {
  const F = TocsinFormat;
  const SVG = 'http://www.w3.org/2000/svg';
  const siteNames = new Map();    // siteId -> name
  const sensors = new Map();      // siteId/sensorId -> sensor
  const gateways = new Map();     // siteId/deviceId -> gateway
  const alarms = new Map();       // alarmId -> alarm

  function sensorStatus(sensor) {
    let worst = null;
    alarms.forEach(a => {
      // Only a present condition colours the tile; a returned alarm waiting for acknowledgement is in the list.
      if (a.siteId === sensor.siteId && a.sensorId === sensor.sensorId
          && (a.state === 'ACTIVE_UNACKNOWLEDGED' || a.state === 'ACTIVE_ACKNOWLEDGED')
          && (worst === null || F.compare(a, worst) < 0)) {
        worst = a;
      }
    });
    if (worst) return 'sev-' + worst.severity.toLowerCase();
    if (sensor.quality === 'BAD') return 'status-fault';
    return 'status-normal';
  }

  function sparkline(trend) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 100 30');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.classList.add('sparkline');
    if (trend.length >= 2) {
      const min = Math.min(...trend);
      const max = Math.max(...trend);
      const span = max - min || 1;
      const points = trend.map((v, i) => (i * 100 / (trend.length - 1)).toFixed(1) + ','
          + (28 - (v - min) * 26 / span).toFixed(1)).join(' ');
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', points);
      svg.append(line);
    }
    return svg;
  }

  function siteIds() {
    const ids = new Set(siteNames.keys());
    sensors.forEach(s => ids.add(s.siteId));
    gateways.forEach(g => ids.add(g.siteId));
    alarms.forEach(a => ids.add(a.siteId));
    return [...ids].sort();
  }

  function render() {
    const main = document.getElementById('sites');
    main.replaceChildren(...siteIds().map(siteSection));
  }

  function siteSection(siteId) {
    const section = F.element('section', 'site');
    section.dataset.siteId = siteId;
    const header = F.element('h2', null, siteNames.get(siteId) || siteId);
    const gatewayList = F.element('span', 'gateways');
    [...gateways.values()].filter(g => g.siteId === siteId).forEach(g => {
      const badge = F.element('span', 'gateway ' + (g.online ? 'online' : 'offline'),
          g.deviceId + (g.online ? ' online' : ' OFFLINE since ' + F.time(g.sinceMs)));
      badge.dataset.deviceId = g.deviceId;
      gatewayList.append(badge);
    });
    header.append(gatewayList);
    section.append(header);
    const tiles = F.element('div', 'tiles');
    [...sensors.values()].filter(s => s.siteId === siteId)
        .sort((a, b) => a.sensorId < b.sensorId ? -1 : 1)
        .forEach(sensor => {
          const tile = F.element('div', 'tile ' + sensorStatus(sensor));
          tile.dataset.sensorId = sensor.sensorId;
          tile.append(F.element('div', 'tile-name', sensor.sensorId),
              F.element('div', 'tile-value', F.number(sensor.value) + ' ' + sensor.unit),
              sparkline(sensor.trend),
              F.element('div', 'tile-time', sensor.quality === 'GOOD' ? F.time(sensor.timestampMs)
                  : sensor.quality + ' ' + F.time(sensor.timestampMs)));
          tiles.append(tile);
        });
    section.append(tiles);
    const siteAlarms = [...alarms.values()].filter(a => a.siteId === siteId).sort(F.compare);
    const list = F.element('ul', 'site-alarms');
    siteAlarms.forEach(a => {
      const item = F.element('li', 'alarm sev-' + a.severity.toLowerCase(),
          a.severity + ' ' + (F.STATE_TEXT[a.state] || a.state) + ' — ' + a.sensorId + ' '
          + F.number(a.value) + ' / ' + F.number(a.threshold) + ', raised ' + F.time(a.raisedAtMs)
          + (a.actor ? ', acknowledged by ' + a.actor : '')
          + (a.escalationLevel > 0 ? ', escalated' : ''));
      item.dataset.alarmId = a.alarmId;
      list.append(item);
    });
    if (siteAlarms.length === 0) list.append(F.element('li', 'no-alarms', 'No active alarms.'));
    section.append(list);
    return section;
  }

  let renderQueued = false;
  function renderSoon() {
    if (!renderQueued) {
      renderQueued = true;
      requestAnimationFrame(() => { renderQueued = false; render(); });
    }
  }

  function onMessage(message) {
    switch (message.type) {
      case 'hello':
        document.getElementById('station').textContent = '— ' + message.station;
        message.sites.forEach(s => siteNames.set(s.siteId, s.siteName));
        TocsinConnection.feed(message);
        TocsinConnection.send({type: 'watch-sites'});
        break;
      case 'alarms':
        alarms.clear();
        message.alarms.forEach(a => { alarms.set(a.alarmId, a); siteNames.set(a.siteId, a.siteName); });
        TocsinConnection.feed(message);
        renderSoon();
        break;
      case 'alarm':
        alarms.set(message.alarm.alarmId, message.alarm);
        siteNames.set(message.alarm.siteId, message.alarm.siteName);
        renderSoon();
        break;
      case 'alarm-removed':
        alarms.delete(message.alarmId);
        renderSoon();
        break;
      case 'sites':
        message.sites.forEach(s => siteNames.set(s.siteId, s.siteName));
        sensors.clear();
        gateways.clear();
        message.sensors.forEach(s => sensors.set(s.siteId + '/' + s.sensorId, s));
        message.gateways.forEach(g => gateways.set(g.siteId + '/' + g.deviceId, g));
        renderSoon();
        break;
      case 'sensors':
        message.sensors.forEach(s => sensors.set(s.siteId + '/' + s.sensorId, s));
        renderSoon();
        break;
      case 'gateway':
        gateways.set(message.gateway.siteId + '/' + message.gateway.deviceId, message.gateway);
        renderSoon();
        break;
      case 'heartbeat':
        TocsinConnection.feed(message);
        break;
    }
  }

  TocsinConnection.start({onMessage: onMessage});
})();
