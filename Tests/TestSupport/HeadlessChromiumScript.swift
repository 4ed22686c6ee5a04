/// The measuring page `HeadlessChromium.measure` writes: the page under test goes, once per width, into an
/// `<iframe srcdoc>` of exactly that width (a real layout viewport: media queries and `%` widths follow it; a
/// headless window cannot be narrower than 500 px, an iframe can), and this script, run on `load`, measures each
/// frame and writes the result as base64 JSON into `<pre id="mailgw-measure">`, which `--dump-dom` prints.
enum HeadlessChromiumScript {
    /// Reads the texts to look for from `<script type="application/json" id="mailgw-texts">`.
    static let source = #"""
    (function () {
      const texts = JSON.parse(document.getElementById('mailgw-texts').textContent);
      const normalize = (s) => s.replace(/\s+/g, ' ').trim();
      const tolerance = 0.5;
      const describe = (el) => {
        let d = el.tagName.toLowerCase();
        if (el.id) d += '#' + el.id;
        if (el.className && typeof el.className === 'string') d += '.' + el.className.trim().split(/\s+/).join('.');
        const t = normalize(el.textContent || '').slice(0, 40);
        return t ? d + ' "' + t + '"' : d;
      };
      const boxes = (rects) => Array.from(rects).filter((r) => r.width > 0 && r.height > 0);

      // Why `el` (whose text contains the wanted text) cannot be seen in a viewport `vw` wide, or null.
      function invisibility(el, win, vw) {
        const range = el.ownerDocument.createRange();
        range.selectNodeContents(el);
        const rects = boxes(range.getClientRects());
        if (rects.length === 0) return 'no box (display:none, empty or zero size)';
        const style = win.getComputedStyle(el);
        if (style.visibility !== 'visible') return 'visibility:' + style.visibility;
        if (parseFloat(style.fontSize) <= 0) return 'font-size 0';
        if (/rgba\(.*,\s*0\)$/.test(style.color) || style.color === 'transparent') return 'transparent colour';
        if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
          return 'cut by its own overflow (' + el.scrollWidth + ' > ' + el.clientWidth + ' px)';
        for (let a = el; a && a.nodeType === 1; a = a.parentElement) {
          const s = win.getComputedStyle(a);
          if (parseFloat(s.opacity) === 0) return 'opacity 0 on ' + describe(a);
          if (a !== el && (s.overflowX !== 'visible' || s.overflowY !== 'visible') && a !== a.ownerDocument.documentElement) {
            const box = a.getBoundingClientRect();
            for (const r of rects) {
              if (r.left < box.left - tolerance || r.right > box.right + tolerance ||
                  r.top < box.top - tolerance || r.bottom > box.bottom + tolerance)
                return 'clipped by ' + describe(a) + ' (overflow ' + s.overflowX + '/' + s.overflowY + ')';
            }
          }
        }
        for (const r of rects) {
          if (r.left < -tolerance || r.right > vw + tolerance)
            return 'outside the viewport horizontally (' + Math.round(r.left) + '..' + Math.round(r.right) + ' px)';
        }
        return null;
      }

      function measure(frame) {
        const win = frame.contentWindow, doc = frame.contentDocument, root = doc.documentElement;
        const vw = root.clientWidth;
        const body = doc.body || root;
        const scrollWidth = Math.max(root.scrollWidth, body.scrollWidth);
        const beyond = [];
        for (const el of body.querySelectorAll('*')) {
          for (const r of boxes(el.getClientRects())) {
            if (r.left < -tolerance || r.right > vw + tolerance) {
              beyond.push(describe(el) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + ' px');
              break;
            }
          }
          if (beyond.length >= 8) break;
        }
        const external = [];
        for (const el of doc.querySelectorAll('[src], link[href], object[data], [background]')) {
          external.push(describe(el));
        }
        const found = texts.map((text) => {
          const wanted = normalize(text);
          // The innermost elements whose text contains it (several when it appears several times).
          const holders = [];
          const collect = (el) => {
            const inner = Array.from(el.children).filter((c) =>
              c.tagName !== 'SCRIPT' && c.tagName !== 'STYLE' && normalize(c.textContent || '').includes(wanted));
            if (inner.length === 0) holders.push(el); else inner.forEach(collect);
          };
          if (wanted.length > 0 && normalize(body.textContent || '').includes(wanted)) collect(body);
          const reasons = holders.map((el) => {
            const why = invisibility(el, win, vw);
            return why === null ? null : describe(el) + ': ' + why;
          });
          const visible = reasons.some((r) => r === null);
          const reason = visible ? null : (reasons[0] || 'not in the page');
          return { text: text, occurrences: holders.length, visible: visible, reason: reason };
        });
        return {
          width: parseInt(frame.getAttribute('data-width'), 10), innerWidth: win.innerWidth, clientWidth: vw,
          scrollWidth: scrollWidth, beyondViewport: beyond, scripts: doc.scripts.length,
          externalResources: external, texts: found,
        };
      }

      addEventListener('load', () => {
        let result;
        try {
          result = { frames: Array.from(document.querySelectorAll('iframe')).map(measure) };
        } catch (e) {
          result = { error: String(e && e.stack || e) };
        }
        const pre = document.createElement('pre');
        pre.id = 'mailgw-measure';
        pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify(result))));
        document.body.appendChild(pre);
      });
    })();
    """#
}
