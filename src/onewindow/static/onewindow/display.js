/* OneWindow wall displays: the hall display and the per-window display.
 *
 * Plain ES2017, no dependencies, no build step. The page renders its first state on the server;
 * this script polls the feed (one request in flight at a time, with a timeout), updates the DOM
 * in place, announces each new call once, and recovers by itself from server restarts and
 * network drops. Nothing here grows without bound: the announcement queue, the log and the set
 * of seen calls are all capped.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-ow-display]");
  if (!root) return;

  function readJson(id, fallback) {
    var node = document.getElementById(id);
    if (!node) return fallback;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return fallback;
    }
  }

  var KIND = root.getAttribute("data-ow-display");
  var FEED_URL = root.getAttribute("data-feed-url");
  var BUILD = root.getAttribute("data-build");
  var S = readJson("ow-display-strings", {});
  var POLL = readJson("ow-display-poll", { interval: 1000, timeout: 4000, max_backoff: 5000 });

  var FLASH_MS = 8000; // how long the newest call flashes
  var CHIME_FLASH_MS = 15000; // longer where the device cannot speak Chinese
  var MAX_QUEUE = 12; // pending announcements; beyond this the oldest is dropped
  var MAX_LOG = 100;
  var MAX_SEEN = 300;
  var STALE_MS = 3 * 60 * 1000; // calls older than this are shown but not announced
  var STORAGE_KEY = "ow-display-audio";

  // ---------- small helpers ----------

  function fmt(template, n) {
    return String(template || "").split("%(n)s").join(String(n));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setText(node, text) {
    text = text === undefined || text === null ? "" : String(text);
    if (node && node.textContent !== text) node.textContent = text;
  }

  function setAttr(node, name, value) {
    value = value === undefined || value === null ? "" : String(value);
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  function pad2(n) {
    return String(n).padStart(2, "0");
  }

  var state = {
    kind: KIND,
    connected: true,
    failures: 0,
    lastSuccessAt: 0,
    lastTickAt: Date.now(),
    lastPollAt: Date.now(),
    etag: null,
    data: null,
    serverOffsetMs: 0,
    utcOffsetMinutes: 480,
    audio: "locked",
  };
  window.__owDisplay = state;

  // Flashing: one timestamp per element, swept by the clock tick (no timer per call).
  var flashing = [];
  function flash(node, ms) {
    if (!node) return;
    var until = Date.now() + ms;
    node.classList.add("is-new");
    for (var i = 0; i < flashing.length; i++) {
      if (flashing[i].node === node) {
        flashing[i].until = Math.max(flashing[i].until, until);
        return;
      }
    }
    flashing.push({ node: node, until: until });
  }
  function sweepFlashes() {
    var now = Date.now();
    flashing = flashing.filter(function (f) {
      if (f.until > now && f.node.isConnected) return true;
      f.node.classList.remove("is-new");
      return false;
    });
  }

  // ---------- clock (the hall's time, whatever the device's clock or time zone) ----------

  function hallNow() {
    return new Date(Date.now() + state.serverOffsetMs + state.utcOffsetMinutes * 60000);
  }

  function syncClock(data) {
    if (!data || !data.now) return;
    var server = Date.parse(data.now);
    if (!isNaN(server)) state.serverOffsetMs = server - Date.now();
    if (typeof data.utc_offset_minutes === "number") {
      state.utcOffsetMinutes = data.utc_offset_minutes;
    }
  }

  var clockTime = document.getElementById("ow-clock-time");
  var clockDate = document.getElementById("ow-clock-date");
  function tick() {
    state.lastTickAt = Date.now();
    var d = hallNow(); // read with getUTC*: already shifted to the hall's zone
    setText(clockTime, pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes()));
    if (clockDate && S.date) {
      var date = S.date
        .replace("%(year)s", d.getUTCFullYear())
        .replace("%(month)s", d.getUTCMonth() + 1)
        .replace("%(day)s", d.getUTCDate());
      var weekday = (S.weekdays || [])[d.getUTCDay()] || "";
      setText(clockDate, weekday ? date + " " + weekday : date);
    }
    sweepFlashes();
  }

  var offlineBadge = document.getElementById("ow-offline");
  function setConnected(ok) {
    state.connected = ok;
    if (offlineBadge) offlineBadge.hidden = ok;
  }

  // ---------- polling ----------

  var generation = 0;

  async function pollOnce() {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = setTimeout(function () {
      if (controller) controller.abort();
    }, POLL.timeout);
    try {
      var headers = { Accept: "application/json" };
      if (state.etag) headers["If-None-Match"] = state.etag;
      var response = await fetch(FEED_URL, {
        headers: headers,
        cache: "no-store",
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      });
      if (response.status === 304) return null;
      if (!response.ok) throw new Error("HTTP " + response.status);
      var data = await response.json();
      state.etag = response.headers.get("ETag");
      return data;
    } finally {
      clearTimeout(timer);
    }
  }

  async function pollLoop(myGeneration) {
    while (myGeneration === generation) {
      var started = Date.now();
      var data = null;
      var ok = false;
      try {
        data = await pollOnce();
        ok = true;
      } catch (e) {
        ok = false;
      }
      if (myGeneration !== generation) return;
      state.lastPollAt = Date.now();
      if (ok) {
        state.failures = 0;
        state.lastSuccessAt = Date.now();
        setConnected(true);
        if (data) {
          try {
            apply(data);
          } catch (e) {
            // A drawing bug must not stop the polling; the next answer draws again.
            state.etag = null;
            if (window.console) console.error(e);
          }
        }
      } else {
        state.failures += 1;
        state.etag = null;
        setConnected(false);
      }
      var wait = ok
        ? Math.max(0, POLL.interval - (Date.now() - started))
        : Math.min(POLL.max_backoff, POLL.interval * Math.pow(2, state.failures - 1));
      await sleep(wait);
    }
  }

  function startPolling() {
    generation += 1;
    state.lastPollAt = Date.now();
    pollLoop(generation);
  }

  // If the loop ever stalls (a browser that never settles a request), start a fresh one.
  function watchdog() {
    var limit = POLL.timeout + POLL.max_backoff + 10000;
    if (Date.now() - state.lastPollAt > limit) startPolling();
  }

  function apply(data) {
    syncClock(data);
    state.data = data;
    if (KIND === "hall") renderHall(data);
    else renderWindow(data);
    maybeReload(data);
  }

  // A new version of this script was deployed: reload, but never in the middle of a call,
  // and at most once in five minutes (a stale cached page must not reload in a loop).
  var reloadWanted = false;
  function maybeReload(data) {
    if (data.build && BUILD && data.build !== BUILD) reloadWanted = true;
    if (!reloadWanted || announcer.busy) return;
    if (announcer.queue.length && state.audio === "on") return;
    var last = 0;
    try {
      last = Number(window.sessionStorage.getItem("ow-display-reloaded")) || 0;
      if (Date.now() - last < 5 * 60 * 1000) return;
      window.sessionStorage.setItem("ow-display-reloaded", String(Date.now()));
    } catch (e) {
      return; // cannot remember the reload: do not risk a loop
    }
    window.location.reload();
  }

  // ---------- hall display ----------

  var grid = document.getElementById("ow-window-grid");
  var noWindows = document.getElementById("ow-no-windows");
  var latestBox = document.getElementById("ow-latest");
  var latestCode = document.getElementById("ow-latest-code");
  var latestWindow = document.getElementById("ow-latest-window");
  var recentList = document.getElementById("ow-recent-list");
  var noCalls = document.getElementById("ow-no-calls");
  var waitingList = document.getElementById("ow-waiting");
  var cards = {}; // window id -> card element
  var lastLayoutKey = "";

  function windowLabel(number) {
    return fmt(S.window || "%(n)s", number);
  }

  function buildCard(w) {
    var card = el("article", "ow-win");
    card.setAttribute("data-window-id", w.id);
    var head = el("div", "ow-win-head");
    head.appendChild(el("span", "ow-win-label"));
    head.appendChild(el("span", "ow-win-name"));
    card.appendChild(head);
    card.appendChild(el("div", "ow-win-code"));
    card.appendChild(el("div", "ow-win-note"));
    return card;
  }

  function fillCard(card, w) {
    setAttr(card, "data-state", w.state);
    setAttr(card, "data-status", w.current ? w.current_status || "called" : "");
    setText(card.querySelector(".ow-win-label"), w.label || windowLabel(w.number));
    setText(card.querySelector(".ow-win-name"), w.name || "");
    var code = card.querySelector(".ow-win-code");
    var note = card.querySelector(".ow-win-note");
    if (w.current) {
      code.classList.remove("is-text");
      code.style.setProperty("--len", String(Math.max(3, w.current.length)));
      setText(code, w.current);
      setText(note, w.current_status === "serving" ? S.serving : S.called);
    } else {
      code.classList.add("is-text");
      code.style.removeProperty("--len");
      if (w.state === "paused") {
        setText(code, S.paused);
        setText(note, "\u00a0");
      } else if (w.state === "closed") {
        setText(code, S.closed);
        setText(note, "\u00a0");
      } else {
        setText(code, "—");
        setText(note, S.idle);
      }
    }
  }

  function shownWindows(windows) {
    return (windows || []).filter(function (w) {
      return w.state !== "closed" || w.current;
    });
  }

  // Columns and rows that make the cards as large as possible in the space there is.
  function layoutGrid(count) {
    if (!grid) return;
    var width = grid.clientWidth || 1;
    var height = grid.clientHeight || 1;
    var key = count + ":" + width + "x" + height;
    if (key === lastLayoutKey) return;
    lastLayoutKey = key;
    if (count === 0) return;
    var best = 1;
    var bestScore = -1;
    for (var cols = 1; cols <= count; cols++) {
      var rows = Math.ceil(count / cols);
      var cardW = width / cols;
      var cardH = height / rows;
      var score = Math.min(cardW / 1.6, cardH); // a card reads best a little wider than tall
      if (score > bestScore + 0.5) {
        best = cols;
        bestScore = score;
      }
    }
    var bestRows = Math.ceil(count / best);
    grid.style.gridTemplateColumns = "repeat(" + best + ", minmax(0, 1fr))";
    grid.style.gridTemplateRows = "repeat(" + bestRows + ", minmax(0, 1fr))";
  }

  function renderWindows(windows) {
    if (!grid) return;
    var shown = shownWindows(windows);
    var keep = {};
    shown.forEach(function (w, index) {
      var card = cards[w.id];
      if (!card) {
        card = buildCard(w);
        cards[w.id] = card;
      }
      fillCard(card, w);
      keep[w.id] = true;
      // Move only when out of place: moving restarts a running flash.
      if (grid.children[index] !== card) grid.insertBefore(card, grid.children[index] || null);
    });
    Object.keys(cards).forEach(function (id) {
      if (!keep[id]) {
        if (cards[id].parentNode) cards[id].parentNode.removeChild(cards[id]);
        delete cards[id];
      }
    });
    // Server-rendered cards not known yet (first draw) are replaced by the ones above.
    Array.prototype.slice.call(grid.children).forEach(function (child) {
      var id = child.getAttribute("data-window-id");
      if (!id || cards[id] !== child) grid.removeChild(child);
    });
    if (noWindows) noWindows.hidden = shown.length > 0;
    layoutGrid(shown.length);
  }

  function renderRecent(calls) {
    calls = calls || [];
    var latest = calls[0];
    setText(latestCode, latest ? latest.code : "—");
    setText(latestWindow, latest ? "→ " + windowLabel(latest.window_number) : "");
    var earlier = calls.slice(1); // the newest is in the box above
    if (recentList) {
      var wanted = earlier.map(function (c) {
        return String(c.event_id);
      });
      var current = Array.prototype.map.call(recentList.children, function (li) {
        return li.getAttribute("data-event-id");
      });
      if (wanted.join(",") !== current.join(",")) {
        var frag = document.createDocumentFragment();
        earlier.forEach(function (c) {
          var li = el("li");
          li.setAttribute("data-event-id", c.event_id);
          li.appendChild(el("span", "ow-r-code", c.code));
          li.appendChild(el("span", "ow-r-window", windowLabel(c.window_number)));
          li.appendChild(el("span", "ow-r-time", c.time || ""));
          frag.appendChild(li);
        });
        while (recentList.firstChild) recentList.removeChild(recentList.firstChild);
        recentList.appendChild(frag);
      }
    }
    if (noCalls) noCalls.hidden = calls.length > 0;
    fitList();
  }

  // Show only the rows that fit whole: a half-cut number is worse than none.
  function fitList() {
    if (!recentList) return;
    var rows = recentList.children;
    for (var i = 0; i < rows.length; i++) rows[i].hidden = false;
    var panel = recentList.parentNode;
    var bottom = panel.getBoundingClientRect().bottom - 4;
    for (var j = 0; j < rows.length; j++) {
      if (rows[j].getBoundingClientRect().bottom > bottom) rows[j].hidden = true;
    }
  }

  function renderWaiting(queues) {
    if (!waitingList) return;
    queues = queues || [];
    var current = Array.prototype.map.call(waitingList.children, function (li) {
      return li.getAttribute("data-queue-id");
    });
    var wanted = queues.map(function (q) {
      return String(q.id);
    });
    if (wanted.join(",") !== current.join(",")) {
      while (waitingList.firstChild) waitingList.removeChild(waitingList.firstChild);
      queues.forEach(function (q) {
        var li = el("li");
        li.setAttribute("data-queue-id", q.id);
        li.appendChild(el("span", "ow-q-prefix"));
        li.appendChild(el("span", "ow-q-name"));
        li.appendChild(el("span", "ow-q-count"));
        waitingList.appendChild(li);
      });
    }
    queues.forEach(function (q, i) {
      var li = waitingList.children[i];
      setText(li.querySelector(".ow-q-prefix"), q.prefix);
      setText(li.querySelector(".ow-q-name"), q.name);
      setText(li.querySelector(".ow-q-count"), fmt(S.people || "%(n)s", q.count));
    });
  }

  function renderHall(data) {
    if (data.hall && typeof data.hall.announcement_repeat === "number") {
      announcer.repeat = Math.max(1, Math.min(5, data.hall.announcement_repeat));
    }
    renderWindows(data.windows);
    renderRecent(data.recent_calls);
    renderWaiting(data.waiting);
    renderDuty(data.duty);
    noticeCalls(data);
  }

  // Today's leader on duty and rest-day service (rosters), worded by the server.
  var dutyList = document.getElementById("ow-duty");
  function renderDuty(duty) {
    if (!dutyList) return;
    var lines = (duty && duty.lines) || [];
    var current = Array.prototype.map.call(dutyList.children, function (li) {
      return li.textContent;
    });
    if (lines.join("\n") !== current.join("\n")) {
      while (dutyList.firstChild) dutyList.removeChild(dutyList.firstChild);
      lines.forEach(function (line) {
        dutyList.appendChild(el("li", null, line));
      });
    }
    dutyList.hidden = lines.length === 0;
  }

  // New calls: flash them and queue their announcement, each event once.
  var seen = [];
  var seenSet = {};
  var primed = false;

  function markSeen(id) {
    if (seenSet[id]) return;
    seenSet[id] = true;
    seen.push(id);
    while (seen.length > MAX_SEEN) delete seenSet[seen.shift()];
  }

  function noticeCalls(data) {
    var calls = (data.recent_calls || []).slice().reverse(); // oldest first
    var serverNow = Date.parse(data.now || "") || Date.now() + state.serverOffsetMs;
    calls.forEach(function (c) {
      if (seenSet[c.event_id]) return;
      markSeen(c.event_id);
      if (!primed) return; // what was on screen when the page opened is not news
      flashCall(c, FLASH_MS);
      var at = Date.parse(c.at || "");
      if (!isNaN(at) && serverNow - at > STALE_MS) return;
      announcer.enqueue(c);
    });
    primed = true;
  }

  function flashCall(c, ms) {
    if (KIND !== "hall") return;
    var latest = (state.data && state.data.recent_calls && state.data.recent_calls[0]) || null;
    if (latest && latest.event_id === c.event_id) flash(latestBox, ms);
    var card = cards[c.window_id];
    if (card) flash(card, ms);
  }

  // ---------- announcements ----------

  var DIGITS = "零一二三四五六七八九";

  // "A023" is read digit by digit, as hall announcers do: "A零二三".
  function speakable(text, code) {
    if (!code) return text;
    var spelled = code.replace(/[0-9]/g, function (d) {
      return DIGITS.charAt(Number(d));
    });
    return text.split(code).join(spelled);
  }

  var announcer = {
    queue: [],
    busy: false,
    repeat: 2,
    voice: null,
    audioContext: null,
    utterance: null,
  };
  var log = [];
  window.__owAnnouncements = log;

  function record(entry) {
    log.push(entry);
    while (log.length > MAX_LOG) log.shift();
  }

  announcer.enqueue = function (call) {
    var entry = {
      event_id: call.event_id,
      code: call.code,
      window_number: call.window_number,
      text: call.announcement,
      speech: speakable(call.announcement, call.code),
      status: "queued",
      mode: null,
      repeat: announcer.repeat,
      spoken: 0,
      queued_at: Date.now(),
    };
    record(entry);
    announcer.queue.push(entry);
    while (announcer.queue.length > MAX_QUEUE) {
      announcer.queue.shift().status = "dropped";
    }
    processQueue();
  };

  function hasSpeech() {
    return "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function";
  }

  function pickVoice() {
    if (!hasSpeech()) return null;
    var voices = window.speechSynthesis.getVoices() || [];
    function find(test) {
      for (var i = 0; i < voices.length; i++) {
        var lang = String(voices[i].lang || "").replace("_", "-");
        if (test(lang, voices[i])) return voices[i];
      }
      return null;
    }
    // Mandarin first; a Cantonese voice (zh-HK) would not be understood by everyone.
    return (
      find(function (lang) {
        return /^zh-(CN|Hans)/i.test(lang);
      }) ||
      find(function (lang) {
        return /^cmn/i.test(lang);
      }) ||
      find(function (lang) {
        return /^zh($|-TW|-Hant|-SG)/i.test(lang);
      })
    );
  }

  function refreshVoice() {
    announcer.voice = pickVoice();
    showAudioState();
  }

  function audioContext() {
    if (announcer.audioContext) return announcer.audioContext;
    var Ctor = window.AudioContext || window.webkitAudioContext;
    if (!Ctor) return null;
    try {
      announcer.audioContext = new Ctor();
    } catch (e) {
      announcer.audioContext = null;
    }
    return announcer.audioContext;
  }

  // A two-tone "ding-dong", made here: no sound file to download.
  function chime() {
    var ctx = audioContext();
    if (!ctx || ctx.state !== "running") return sleep(1200);
    var start = ctx.currentTime + 0.05;
    [
      [880, 0],
      [659.25, 0.45],
    ].forEach(function (tone) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = tone[0];
      var t = start + tone[1];
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.5, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.9);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 1);
    });
    return sleep(1400);
  }

  // Speaks once; settles on end, on error, or after a watchdog delay (some browsers never
  // fire "end", which would otherwise stop the queue for good).
  function speakOnce(text) {
    return new Promise(function (resolve) {
      var done = false;
      function finish(result) {
        if (done) return;
        done = true;
        clearTimeout(guard);
        resolve(result);
      }
      var guard = setTimeout(function () {
        try {
          window.speechSynthesis.cancel();
        } catch (e) {
          /* ignore */
        }
        finish("timeout");
      }, Math.max(8000, text.length * 700));
      try {
        var u = new window.SpeechSynthesisUtterance(text);
        announcer.utterance = u; // held: Chrome drops "end" of a collected utterance
        u.lang = "zh-CN";
        if (announcer.voice) u.voice = announcer.voice;
        u.rate = 0.9;
        u.onend = function () {
          finish("ok");
        };
        u.onerror = function (event) {
          finish(event && event.error === "not-allowed" ? "blocked" : "error");
        };
        window.speechSynthesis.speak(u);
      } catch (e) {
        finish("error");
      }
    });
  }

  async function announce(entry) {
    var speech = !!announcer.voice && hasSpeech();
    var ctx = audioContext();
    if (!speech && ctx && ctx.state !== "running") return "blocked";
    entry.mode = speech ? "speech" : "chime";
    entry.status = "speaking";
    entry.started_at = Date.now();
    flashCall(entry, speech ? FLASH_MS : CHIME_FLASH_MS);
    await chime();
    for (var i = 0; i < entry.repeat; i++) {
      if (speech) {
        var result = await speakOnce(entry.speech);
        if (result === "blocked") return "blocked";
      } else if (i > 0) {
        await chime();
      }
      entry.spoken = i + 1;
      if (i + 1 < entry.repeat) await sleep(800);
    }
    entry.status = "done";
    entry.finished_at = Date.now();
    return "ok";
  }

  async function processQueue() {
    if (announcer.busy || state.audio !== "on") return;
    announcer.busy = true;
    try {
      while (announcer.queue.length && state.audio === "on") {
        var entry = announcer.queue.shift();
        if (Date.now() - entry.queued_at > STALE_MS) {
          entry.status = "expired";
          continue;
        }
        var result = await announce(entry);
        if (result === "blocked") {
          // The browser still wants a tap: keep the call and ask for it.
          entry.status = "queued";
          announcer.queue.unshift(entry);
          lockAudio();
        }
      }
    } finally {
      announcer.busy = false;
    }
    if (state.data) maybeReload(state.data);
  }

  // ---------- audio unlock ----------

  var unlockOverlay = document.getElementById("ow-unlock");
  var unlockButton = document.getElementById("ow-unlock-button");
  var audioState = document.getElementById("ow-audio-state");

  function remembered() {
    try {
      return window.localStorage.getItem(STORAGE_KEY) === "on";
    } catch (e) {
      return false;
    }
  }

  function remember() {
    try {
      window.localStorage.setItem(STORAGE_KEY, "on");
    } catch (e) {
      /* private mode: ask again next time */
    }
  }

  function showAudioState() {
    if (!audioState) return;
    if (state.audio !== "on") setText(audioState, S.sound_off);
    else setText(audioState, announcer.voice ? S.voice_on : S.chime_only);
  }

  function lockAudio() {
    state.audio = "locked";
    if (unlockOverlay) unlockOverlay.hidden = false;
    showAudioState();
  }

  function audioOn() {
    state.audio = "on";
    if (unlockOverlay) unlockOverlay.hidden = true;
    showAudioState();
    processQueue();
  }

  // Runs inside a user gesture: the only moment browsers let a page start sound.
  var unlocking = false;
  function unlock() {
    if (unlocking) return;
    unlocking = true;
    if (unlockOverlay) unlockOverlay.hidden = true;
    var ctx = audioContext();
    var resumed = null;
    if (ctx && ctx.state !== "running" && ctx.resume) resumed = ctx.resume();
    if (hasSpeech()) {
      try {
        var u = new window.SpeechSynthesisUtterance(" ");
        u.volume = 0;
        window.speechSynthesis.speak(u);
      } catch (e) {
        /* ignore */
      }
    }
    remember();
    refreshVoice();
    // Announce only once the audio context really runs, or the first chime would be lost.
    Promise.resolve(resumed)
      .catch(function () {})
      .then(function () {
        unlocking = false;
        audioOn();
      });
  }

  function initAudio() {
    if (KIND !== "hall") return;
    if (hasSpeech()) {
      refreshVoice();
      if (typeof window.speechSynthesis.addEventListener === "function") {
        window.speechSynthesis.addEventListener("voiceschanged", refreshVoice);
      } else {
        window.speechSynthesis.onvoiceschanged = refreshVoice;
      }
    }
    if (unlockButton) unlockButton.addEventListener("click", unlock);
    // Any tap or key on the display also unlocks it.
    ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
      document.addEventListener(type, function () {
        if (state.audio !== "on") unlock();
      });
    });
    var ctx = audioContext();
    if (!ctx || ctx.state === "running") {
      audioOn(); // kiosk browsers may allow sound outright
    } else if (remembered()) {
      // Tapped before on this device: try without asking; if the browser still holds sound
      // back, the button comes back (a blocked announcement stays queued).
      audioOn();
      if (ctx.resume) ctx.resume().catch(function () {});
      setTimeout(function () {
        if (ctx.state !== "running") lockAudio();
      }, 1000);
    } else {
      lockAudio();
    }
  }

  // ---------- per-window display ----------

  var wBody = document.getElementById("ow-wbody");
  var wCode = document.getElementById("ow-wcode");
  var wNote = document.getElementById("ow-wnote");
  var wLabel = document.getElementById("ow-wlabel");
  var wName = document.getElementById("ow-wname");
  var lastWindowCall = null;

  function renderWindow(data) {
    var w = data.window || {};
    setText(wLabel, w.label || windowLabel(w.number));
    setText(wName, w.name || "");
    setAttr(wBody, "data-state", w.state);
    setAttr(wBody, "data-status", data.current ? data.current_status || "called" : "");
    if (data.current) {
      wCode.classList.remove("is-text");
      wCode.style.setProperty("--len", String(Math.max(3, data.current.length)));
      setText(wCode, data.current);
      setText(wNote, data.current_status === "serving" ? S.serving : S.called);
    } else {
      wCode.classList.add("is-text");
      wCode.style.removeProperty("--len");
      if (w.state === "paused") setText(wCode, S.paused);
      else if (w.state === "closed") setText(wCode, S.closed);
      else setText(wCode, "—");
      setText(wNote, w.state === "open" ? S.idle : "\u00a0");
    }
    // A new call (or a recall) at this window flashes.
    var callKey = data.current ? data.current + "@" + data.called_at : null;
    if (callKey && lastWindowCall !== null && callKey !== lastWindowCall) flash(wBody, FLASH_MS);
    lastWindowCall = callKey || "";
  }

  // ---------- start ----------

  var initial = readJson("ow-display-initial", null);
  initAudio();
  if (initial) {
    try {
      apply(initial);
    } catch (e) {
      if (window.console) console.error(e);
    }
  }
  tick();
  setInterval(tick, 1000);
  setInterval(watchdog, 5000);
  window.addEventListener("resize", function () {
    lastLayoutKey = "";
    if (state.data && KIND === "hall") {
      layoutGrid(shownWindows(state.data.windows).length);
      fitList();
    }
  });
  window.addEventListener("online", function () {
    // Back on the network: poll now instead of waiting out the back-off.
    startPolling();
  });
  startPolling();
})();
