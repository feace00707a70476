'use strict';
// Logs a station in and goes to the page it came from (the alarm list by default).
document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.getElementById('login-error');
  const button = document.getElementById('login');
  error.textContent = '';
  button.disabled = true;
  try {
    const response = await fetch('/api/login', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({
        name: document.getElementById('name').value,
        password: document.getElementById('password').value
      })
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      error.textContent = body.error || ('Login failed (' + response.status + ')');
      return;
    }
    const next = new URLSearchParams(location.search).get('next');
    location.href = next === '/control-room.html' ? next : '/alarms.html';
  } catch (e) {
    error.textContent = 'The console server cannot be reached: ' + e.message;
  } finally {
    button.disabled = false;
  }
});
