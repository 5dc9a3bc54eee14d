// Independent ESC/POS decoder for the tests: npos (not this project's code) parses the bytes.
// Usage: node decode.js FILE  -> one JSON document on stdout:
//   {"commands": [...], "texts": ["..."], "rasters": [{"width", "height", "rows": ["0101…", …]}]}
// In "rows", 1 is a printed dot (ink) and 0 is bare paper.
'use strict';
const fs = require('fs');
const npos = require('npos');
const iconv = require('iconv-lite');

const raw = fs.readFileSync(process.argv[2]);
// npos 0.1.19 has no rule for GS ( k (native 2D symbols); add one so such streams still parse.
const rules = JSON.parse(JSON.stringify(require('npos/lib/parser/rules')));
rules[0x1d]['(k'] = [0, 'd16'];

npos.parser(rules).parse(raw).then((ast) => {
  const out = { commands: [], texts: [], rasters: [] };
  out.commands = ast.tree.filter((n) => n.ascii !== 'STX').map((n) => n.ascii + (n.fn || ''));
  for (const e of ast.entries) {
    if (e.type === 'text') {
      out.texts.push(iconv.decode(e.data, 'GB18030'));
    } else if (e.type === 'raster') {
      const bm = e.data;
      const rows = [];
      for (let y = 0; y < bm.height; y++) {
        let row = '';
        for (let x = 0; x < bm.width; x++) row += bm.getPixel(x, y) ? '0' : '1'; // npos sets the bit for paper, not ink
        rows.push(row);
      }
      out.rasters.push({ width: bm.width, height: bm.height, rows });
    }
  }
  process.stdout.write(JSON.stringify(out));
}).catch((err) => {
  process.stderr.write('parse error: ' + (err.message || err) + '\n');
  process.exit(1);
});
