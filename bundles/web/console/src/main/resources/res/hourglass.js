/* Hourglass console page: while a pipeline trains, poll its JSON status and update the page in place. */
(function () {
  'use strict';
  var root = document.getElementById('hg-detail');
  if (!root || root.getAttribute('data-state') !== 'TRAINING') {
    return;
  }
  // The origin never carries user:password, so requests work however the console was opened.
  var statusUrl = new URL(root.getAttribute('data-json'), window.location.origin);
  var pageUrl = new URL(root.getAttribute('data-page'), window.location.origin);
  var lastCurve = null;

  function setText(id, text) {
    var e = document.getElementById(id);
    if (e && e.textContent !== text) {
      e.textContent = text;
    }
  }

  function show(status) {
    Object.keys(status.fields).forEach(function (key) {
      setText('hg-' + key, status.fields[key]);
    });
    var bar = document.getElementById('hg-bar');
    if (bar) {
      bar.value = status.percent;
    }
    var box = document.getElementById('hg-loss-curve-box');
    if (box && status.lossCurve !== lastCurve) {
      box.innerHTML = status.lossCurve; // markup rendered (and escaped) by the server
      lastCurve = status.lossCurve;
    }
  }

  function poll() {
    fetch(statusUrl, { cache: 'no-store', credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        if (status.state !== 'TRAINING') {
          window.location.replace(pageUrl.href); // finished, cancelled or failed: show the whole page anew
          return;
        }
        show(status);
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 1000);
})();
