// Customer screen: follows /events and draws the screen the daemon asks for.
// Whatever happens to the daemon, the page stays up and falls back to the idle screen; it never navigates, so the
// kiosk never shows a browser error page. Marks on <html> (data-screen, data-sequence, data-received,
// data-qr, data-connection, data-config) say what is on screen, for people debugging the kiosk and for the tests.
'use strict';

(() => {
  // \u2011 is a non-breaking hyphen, so "Vipps-appen" never splits across two lines. {brand}, {app} and the other
  // braces are filled in from BRANDS, in the language's own grammatical forms.
  const STRINGS = {
    nb: {
      payWithVipps: 'Betal med {brand}',
      scan: 'Skann koden med {app}',
      timeLeft: 'Tid igjen',
      loadingCode: 'Et øyeblikk …',
      codeExpired: 'Koden er ikke lenger gyldig',
      approve: 'Godkjenn betalingen i {app}',
      paid: 'Betalt',
      thanks: 'Takk for handelen!',
      declined: 'Betalingen ble avvist',
      cancelled: 'Betalingen ble avbrutt',
      expired: 'Tiden gikk ut',
      failed: 'Betalingen gikk ikke gjennom',
      connectionProblem: 'Vi har problemer med å nå {brand}. Vent litt.',
      keepTrying: 'Vi prøver igjen automatisk.',
      tryAgain: 'Spør i kassen om å prøve igjen.',
      reasons: {
        cardDeclined: 'Kortet ble avvist.',
        customerDeclined: 'Betalingen ble avbrutt i {app}.',
        timedOut: 'Betalingen ble ikke fullført i tide.',
        cancelledByShop: 'Betalingen ble avbrutt i kassen.',
        vippsUnavailable: '{brand} svarer ikke akkurat nå.',
        technicalError: 'Det oppstod en teknisk feil.',
      },
    },
    da: {
      payWithVipps: 'Betal med {brand}',
      scan: 'Scan koden med {app}',
      timeLeft: 'Tid tilbage',
      loadingCode: 'Et øjeblik …',
      codeExpired: 'Koden er ikke længere gyldig',
      approve: 'Godkend betalingen i {app}',
      paid: 'Betalt',
      thanks: 'Tak for handlen!',
      declined: 'Betalingen blev afvist',
      cancelled: 'Betalingen blev annulleret',
      expired: 'Tiden løb ud',
      failed: 'Betalingen gik ikke igennem',
      connectionProblem: 'Vi har problemer med at nå {brand}. Vent venligst.',
      keepTrying: 'Vi prøver igen automatisk.',
      tryAgain: 'Spørg ved kassen om at prøve igen.',
      reasons: {
        cardDeclined: 'Kortet blev afvist.',
        customerDeclined: 'Betalingen blev annulleret i {app}.',
        timedOut: 'Betalingen blev ikke gennemført i tide.',
        cancelledByShop: 'Betalingen blev annulleret ved kassen.',
        vippsUnavailable: '{brand} svarer ikke lige nu.',
        technicalError: 'Der opstod en teknisk fejl.',
      },
    },
    fi: {
      payWithVipps: 'Maksa {brandWith}',
      scan: 'Skannaa koodi {appWith}',
      timeLeft: 'Aikaa jäljellä',
      loadingCode: 'Hetki …',
      codeExpired: 'Koodi ei ole enää voimassa',
      approve: 'Hyväksy maksu {appIn}',
      paid: 'Maksettu',
      thanks: 'Kiitos ostoksestasi!',
      declined: 'Maksu hylättiin',
      cancelled: 'Maksu peruttiin',
      expired: 'Aika loppui',
      failed: 'Maksu ei onnistunut',
      connectionProblem: 'Yhteys palveluun {brand} ei toimi juuri nyt. Odota hetki.',
      keepTrying: 'Yritämme uudelleen automaattisesti.',
      tryAgain: 'Pyydä kassalta uutta yritystä.',
      reasons: {
        cardDeclined: 'Kortti hylättiin.',
        customerDeclined: 'Maksu peruttiin {appIn}.',
        timedOut: 'Maksua ei suoritettu ajoissa.',
        cancelledByShop: 'Maksu peruttiin kassalla.',
        vippsUnavailable: '{brand} ei vastaa juuri nyt.',
        technicalError: 'Tapahtui tekninen virhe.',
      },
    },
    en: {
      payWithVipps: 'Pay with {brand}',
      scan: 'Scan the code with {app}',
      timeLeft: 'Time left',
      loadingCode: 'One moment …',
      codeExpired: 'This code is no longer valid',
      approve: 'Approve the payment in {app}',
      paid: 'Paid',
      thanks: 'Thank you!',
      declined: 'The payment was declined',
      cancelled: 'The payment was cancelled',
      expired: 'The time ran out',
      failed: 'The payment did not go through',
      connectionProblem: 'We are having trouble reaching {brand}. Please wait.',
      keepTrying: 'We keep trying automatically.',
      tryAgain: 'Ask at the till to try again.',
      reasons: {
        cardDeclined: 'The card was declined.',
        customerDeclined: 'The payment was cancelled in {app}.',
        timedOut: 'The payment was not completed in time.',
        cancelledByShop: 'The payment was cancelled at the till.',
        vippsUnavailable: '{brand} is not responding right now.',
        technicalError: 'A technical error occurred.',
      },
    },
  };

  // The brand's name and the forms each language needs.
  const BRANDS = {
    vipps: {
      brand: 'Vipps',
      app: { nb: 'Vipps\u2011appen', da: 'Vipps\u2011appen', en: 'the Vipps app' },
      brandWith: 'Vippsillä', appWith: 'Vipps\u2011sovelluksella', appIn: 'Vipps\u2011sovelluksessa',
    },
    mobilepay: {
      brand: 'MobilePay',
      app: { nb: 'MobilePay\u2011appen', da: 'MobilePay\u2011appen', en: 'the MobilePay app' },
      brandWith: 'MobilePaylla', appWith: 'MobilePay\u2011sovelluksella', appIn: 'MobilePay\u2011sovelluksessa',
    },
  };

  // How each non-QR screen looks: badge colour, icon, headline and the line under the amount.
  const STATUS = {
    scanned: { tone: 'waiting', icon: 'phone', pulse: true, title: (t) => t.approve, message: () => '' },
    paid: { tone: 'good', icon: 'check', title: (t) => t.paid, message: (t) => t.thanks },
    declined: { tone: 'bad', icon: 'cross', title: (t) => t.declined, message: (t, r) => join(r, t.tryAgain) },
    cancelled: { tone: 'calm', icon: 'cross', title: (t) => t.cancelled, message: (t, r) => r },
    expired: { tone: 'calm', icon: 'clock', title: (t) => t.expired, message: (t, r) => join(r, t.tryAgain) },
    failed: {
      tone: 'bad', icon: 'alert', title: (t) => t.failed,
      message: (t, r) => join(r || t.reasons.technicalError, t.tryAgain),
    },
    'connection-problem': {
      tone: 'warn', icon: 'alert', pulse: true, title: (t) => t.connectionProblem, message: (t) => t.keepTrying,
    },
  };
  const OUTCOMES = new Set(['paid', 'declined', 'cancelled', 'expired', 'failed']);

  const DISCONNECT_GRACE_MS = 4000; // a daemon restart should not flash idle; a dead daemon must not leave a QR up
  const RETRY_MIN_MS = 1000;
  const RETRY_MAX_MS = 15000;
  const QR_RETRY_MAX_MS = 3000; // a customer is waiting for this one

  const root = document.documentElement;
  const byId = (id) => document.getElementById(id);
  const ui = {
    barShop: byId('bar-shop'), idle: byId('idle'), idleShop: byId('idle-shop'), idleHint: byId('idle-hint'),
    qr: byId('qr'), qrFrame: byId('qr-frame'), qrImage: byId('qr-image'), qrNotice: byId('qr-notice'),
    qrInstruction: byId('qr-instruction'), qrAmount: byId('qr-amount'), qrText: byId('qr-text'),
    qrCountdown: byId('qr-countdown'), status: byId('status'), statusBadge: byId('status-badge'),
    statusIcon: byId('status-icon'), statusTitle: byId('status-title'), statusAmount: byId('status-amount'),
    statusMessage: byId('status-message'), statusCountdown: byId('status-countdown'),
  };

  let config = { shopName: '', language: 'nb', brand: 'vipps', accentColor: '#ff5b24', paidScreenMilliseconds: 8000 };
  let shown = null; // the screen on display
  let lastSequence = 0;
  let outcomeTimer = 0;
  let graceTimer = 0;
  let qrRetryTimer = 0;
  let qrRetryDelay = RETRY_MIN_MS;
  let qrSource = '';
  let streamRetryDelay = RETRY_MIN_MS;
  let configRetryDelay = RETRY_MIN_MS;
  let lostConnection = false;

  function join(...parts) {
    return parts.filter(Boolean).join(' ');
  }

  function strings() {
    const language = STRINGS[config.language] ? config.language : 'nb';
    const brand = BRANDS[config.brand] || BRANDS.vipps;
    const fill = (text) =>
      text.replace(/\{(\w+)\}/g, (whole, name) => {
        const value = name === 'app' ? brand.app[language] || brand.app.nb : brand[name];
        return typeof value === 'string' ? value : whole;
      });
    const filled = {};
    for (const [key, value] of Object.entries(STRINGS[language])) {
      filled[key] = typeof value === 'string' ? fill(value) : Object.fromEntries(
        Object.entries(value).map(([reason, text]) => [reason, fill(text)]),
      );
    }
    return filled;
  }

  // Amounts arrive in minor units (øre, cents) and are written the local way: "kr 1 299,00" in Norwegian,
  // "1.299,00 kr." in Danish, "1 299,00 €" in Finnish, "NOK 1,299.00" in English.
  function formatAmount(minor, currency) {
    if (typeof minor !== 'number' || !Number.isFinite(minor)) return '';
    const language = config.language;
    const code = typeof currency === 'string' && currency ? currency : 'NOK';
    const absolute = Math.abs(Math.round(minor));
    const group = { en: ',', da: '.' }[language] || '\u00a0';
    const whole = String(Math.floor(absolute / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, group);
    const fraction = String(absolute % 100).padStart(2, '0');
    const sign = minor < 0 ? '−' : '';
    if (language === 'en') return `${code}\u00a0${sign}${whole}.${fraction}`;
    if (language === 'da' || language === 'fi') {
      const symbol = { DKK: language === 'da' ? 'kr.' : 'DKK', EUR: '€' }[code] || code;
      return `${sign}${whole},${fraction}\u00a0${symbol}`;
    }
    return `${code === 'NOK' ? 'kr' : code}\u00a0${sign}${whole},${fraction}`;
  }

  function remainingMs(screen) {
    const expires = Date.parse(screen.expiresAt);
    return Number.isNaN(expires) ? null : expires - Date.now();
  }

  function formatCountdown(ms) {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    const minutes = Math.floor(seconds / 60);
    return `${String(minutes).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  }

  // How much longer an outcome should stay up, measured from when the daemon showed it.
  function outcomeLeftMs(screen) {
    const since = Date.parse(screen.shownAt);
    const start = Number.isNaN(since) ? screen.receivedAt : Math.min(since, screen.receivedAt);
    return start + config.paidScreenMilliseconds - Date.now();
  }

  function idleAfter(screen) {
    return { kind: 'idle', sequence: screen ? screen.sequence : 0, receivedAt: Date.now() };
  }

  // Decides what to draw for a screen: outcomes stay up for their time even if idle arrives first, and an outcome
  // that is already over (a page that connected late) is not shown again.
  function present(screen) {
    if (screen.kind !== 'idle' && screen.kind !== 'qr' && !STATUS[screen.kind]) {
      screen = idleAfter(screen); // a kind this page does not know yet: better a calm idle than a wrong message
    }
    if (screen.kind === 'idle' && shown && OUTCOMES.has(shown.kind) && outcomeLeftMs(shown) > 0) return;
    if (OUTCOMES.has(screen.kind) && outcomeLeftMs(screen) <= 0) {
      render(idleAfter(screen));
      return;
    }
    render(screen);
  }

  function render(screen) {
    try {
      draw(screen);
    } catch (error) {
      console.error('display: cannot draw', screen.kind, error);
      if (screen.kind !== 'idle') draw(idleAfter(screen));
    }
  }

  function draw(screen) {
    const t = strings();
    clearTimeout(outcomeTimer);
    shown = screen;
    ui.idle.hidden = screen.kind !== 'idle';
    ui.qr.hidden = screen.kind !== 'qr';
    ui.status.hidden = screen.kind === 'idle' || screen.kind === 'qr';

    if (screen.kind === 'idle') {
      ui.idleShop.textContent = config.shopName;
      ui.idleHint.textContent = t.payWithVipps;
      clearQR();
    } else if (screen.kind === 'qr') {
      ui.qrInstruction.textContent = t.scan;
      ui.qrAmount.textContent = formatAmount(screen.amount, screen.currency);
      ui.qrText.textContent = screen.text || '';
      ui.qrNotice.textContent = t.loadingCode;
      showQR(screen);
    } else {
      const look = STATUS[screen.kind];
      const reason = t.reasons[screen.reason] || '';
      ui.status.className = `tone-${look.tone}`;
      ui.statusBadge.classList.toggle('pulse', Boolean(look.pulse));
      ui.statusIcon.setAttribute('href', `#icon-${look.icon}`);
      ui.statusTitle.textContent = look.title(t);
      ui.statusAmount.textContent = formatAmount(screen.amount, screen.currency);
      ui.statusMessage.textContent = look.message(t, reason);
      clearQR();
      if (OUTCOMES.has(screen.kind)) {
        outcomeTimer = setTimeout(() => render(idleAfter(screen)), Math.max(0, outcomeLeftMs(screen)));
      }
    }
    tick();
    root.dataset.screen = screen.kind;
    root.dataset.sequence = String(screen.sequence || 0);
  }

  // The QR image is fetched only when the payment or its version changes, and hidden until it has decoded, so the
  // customer never sees the previous payment's code.
  function showQR(screen) {
    const src = `/qr/${encodeURIComponent(screen.reference || '')}.png?v=${Number(screen.qrVersion) || 0}`;
    if (src === qrSource) return;
    clearQR();
    qrSource = src;
    loadQR(src);
  }

  function loadQR(src) {
    ui.qrFrame.classList.add('loading');
    root.dataset.qr = 'loading';
    ui.qrImage.src = src;
    ui.qrImage.decode().then(
      () => {
        if (qrSource !== src) return;
        qrRetryDelay = RETRY_MIN_MS;
        ui.qrFrame.classList.remove('loading');
        root.dataset.qr = 'ready';
        tick();
      },
      () => {
        if (qrSource !== src) return;
        qrRetryTimer = setTimeout(() => loadQR(src), qrRetryDelay);
        qrRetryDelay = Math.min(qrRetryDelay * 2, QR_RETRY_MAX_MS);
      },
    );
  }

  function clearQR() {
    clearTimeout(qrRetryTimer);
    qrRetryDelay = RETRY_MIN_MS;
    qrSource = '';
    ui.qrImage.removeAttribute('src');
    ui.qrFrame.classList.add('loading');
    ui.qrFrame.classList.remove('stale');
    delete root.dataset.qr;
  }

  // Countdown once a second; when a QR runs out its code is taken down, since scanning it can no longer work.
  function tick() {
    const t = strings();
    const screen = shown;
    const left = screen && (screen.kind === 'qr' || screen.kind === 'scanned') ? remainingMs(screen) : null;
    const text = left === null ? '' : `${t.timeLeft} ${formatCountdown(left)}`;
    const stale = Boolean(screen && screen.kind === 'qr' && left !== null && left <= 0);
    ui.qrCountdown.textContent = screen && screen.kind === 'qr' && !stale ? text : '';
    ui.qrInstruction.hidden = stale;
    ui.statusCountdown.textContent = screen && screen.kind === 'scanned' ? text : '';
    if (stale) {
      ui.qrNotice.textContent = t.codeExpired;
      root.dataset.qr = 'stale';
    }
    ui.qrFrame.classList.toggle('stale', stale);
  }

  function receive(event) {
    let screen;
    try {
      screen = JSON.parse(event.data);
    } catch (error) {
      console.error('display: unreadable screen', error);
      return;
    }
    if (!screen || typeof screen.kind !== 'string') return;
    screen.receivedAt = Date.now();
    lastSequence = screen.sequence;
    root.dataset.received = String(screen.sequence);
    present(screen);
  }

  function connected() {
    clearTimeout(graceTimer);
    graceTimer = 0;
    streamRetryDelay = RETRY_MIN_MS;
    root.dataset.connection = 'open';
    if (lostConnection) {
      lostConnection = false;
      loadConfig(); // a restarted daemon may come with other settings
    }
  }

  function disconnected() {
    if (root.dataset.connection === 'open') root.dataset.connection = 'connecting';
    if (graceTimer) return;
    graceTimer = setTimeout(() => {
      graceTimer = 0;
      lostConnection = true;
      root.dataset.connection = 'lost';
      present(idleAfter({ sequence: lastSequence }));
    }, DISCONNECT_GRACE_MS);
  }

  // EventSource reconnects by itself after a dropped stream, but gives up for good on some failures (an HTTP error,
  // a wrong content type); then a new one is made, with growing pauses.
  function connect() {
    const stream = new EventSource('/events');
    stream.addEventListener('open', connected);
    stream.addEventListener('screen', (event) => {
      connected();
      receive(event);
    });
    stream.addEventListener('error', () => {
      disconnected();
      if (stream.readyState !== EventSource.CLOSED) return;
      stream.close();
      setTimeout(connect, streamRetryDelay);
      streamRetryDelay = Math.min(streamRetryDelay * 2, RETRY_MAX_MS);
    });
  }

  function applyConfig(settings) {
    const language = STRINGS[settings.language] ? settings.language : 'nb';
    const brand = BRANDS[settings.brand] ? settings.brand : 'vipps';
    const accent = /^#[0-9a-fA-F]{6}$/.test(settings.accentColor) ? settings.accentColor : config.accentColor;
    const duration = Number(settings.paidScreenMilliseconds);
    config = {
      shopName: typeof settings.shopName === 'string' ? settings.shopName : '',
      language,
      brand,
      accentColor: accent,
      paidScreenMilliseconds: Number.isFinite(duration) && duration > 0 ? duration : config.paidScreenMilliseconds,
    };
    root.lang = language;
    root.dataset.brand = brand;
    root.style.setProperty('--accent', accent);
    root.style.setProperty('--on-accent', isLight(accent) ? '#15161a' : '#ffffff');
    ui.barShop.textContent = config.shopName;
    document.title = config.shopName || BRANDS[brand].brand;
    render(shown || idleAfter(null));
    root.dataset.config = 'loaded';
  }

  // Dark text on light accents (yellow, light green), white text on the rest.
  function isLight(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const linear = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b) > 0.35;
  }

  function loadConfig() {
    return fetch('/config.json', { cache: 'no-store' })
      .then((response) => {
        if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
        return response.json();
      })
      .then((settings) => {
        configRetryDelay = RETRY_MIN_MS;
        applyConfig(settings);
      })
      .catch((error) => {
        console.warn('display: no configuration yet', error.message);
        setTimeout(loadConfig, configRetryDelay);
        configRetryDelay = Math.min(configRetryDelay * 2, RETRY_MAX_MS);
      });
  }

  setInterval(tick, 1000);
  render(idleAfter(null));
  loadConfig().finally(connect);
})();
