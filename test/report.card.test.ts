/**
 * The threat-model card at the top of every report (report.json `threatModel`, report.md's sentences and a link to
 * card.svg, report.html with the SVG inline), and scenario text written into report.md and report.html as text: a
 * description `<img src=x onerror=alert(1)>` is no HTML in either, a `|` in a label or a column name splits no table.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { parseScenario } from '../shared/scenario';
import { CARD_FILE, threatModelCard } from '../cli/threatModel';
import { renderHtml, renderMarkdown, writeReport, type Report } from '../cli/report';
import { escapeMarkdown, markdownCells, unescapeMarkdown } from '../cli/markdownText';

const FIXTURES = path.join(__dirname, 'fixtures');
const HOSTILE = '<img src=x onerror=alert(1)> | <script>alert(2)</script> **bold** `code` [link](javascript:alert(3))';

/** tiny-mia with hostile text in its free-text description. */
function hostileScenario() {
  const raw = parse(fs.readFileSync(path.join(FIXTURES, 'tiny-mia.yaml'), 'utf8')) as Record<string, any>;
  raw.description = HOSTILE;
  return parseScenario(stringify(raw), path.join(FIXTURES, 'hostile.yaml'));
}

function reportOf(scenario = hostileScenario()): Report {
  return {
    scenario: { name: scenario.name, description: scenario.description, file: 'scenarios/hostile.yaml', seed: scenario.seed },
    createdAt: '2026-01-01T00:00:00.000Z',
    threatModel: threatModelCard(scenario),
    verdict: 'failed',
    passed: false,
    expectations: [{ metric: 'variants[a|<b>].x', min: 0, value: 1, passed: false, message: 'x' } as unknown as Report['expectations'][number]],
    fidelity: { marginals: { maxTotalVariation: 0.1, columns: [{ column: 'weird|<col>', type: 'categorical', totalVariation: 0.1 }] } },
    broker: { grants: ['black-box'], budgetSamplesUsed: 1, budgetSamplesTotal: 2 },
    refused: { 'a|b': { kind: 'mia-loss', message: 'refused <b>value</b> | here' } },
  };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-card-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the card in the report', () => {
  it('is report.json threatModel, the first section of report.md with a link to card.svg, and inline SVG in report.html', async () => {
    const report = reportOf();
    const files = await writeReport(dir, report);
    const json = JSON.parse(fs.readFileSync(files.json, 'utf8'));
    expect(json.threatModel.rpcs.map((r: { rpc: string }) => r.rpc)).toContain('WhiteBox.TimestepLoss');
    expect(json.threatModel.adversaries[0]).toMatchObject({ party: 'receiver', goal: 'membership' });
    const svg = fs.readFileSync(path.join(dir, CARD_FILE), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);

    const md = fs.readFileSync(files.md, 'utf8');
    const sections = md.split('\n').filter((l) => l.startsWith('## '));
    expect(sections[0]).toBe('## Threat model');
    expect(md).toContain(`](${CARD_FILE})`);
    expect(md).toContain('- The broker is the only door. It grants black-box, gray-box, white-box and class-shares');

    const html = fs.readFileSync(files.html, 'utf8');
    expect(html).toContain('<h2>Threat model</h2>');
    expect(html).toMatch(/<figure class="threat-model"[^>]*><svg /);
    expect(html).toContain('>receiver: ADVERSARY</text>');
    expect(html.indexOf('Threat model')).toBeLessThan(html.indexOf('Expectations'));
  });

  it('is absent from a report without one (older reports)', () => {
    const { threatModel: _card, ...report } = reportOf();
    expect(renderMarkdown(report as Report)).not.toContain('Threat model');
  });
});

describe('scenario text in report.md and report.html', () => {
  const report = reportOf();
  const md = renderMarkdown(report);
  const html = renderHtml(report, md);

  it('report.md holds no raw tag: every < of the description is escaped', () => {
    expect(md).not.toMatch(/(^|[^\\])<(img|script)/m);
    expect(md).toContain('\\<img src=x onerror=alert(1)\\>');
    expect(md).toContain('\\<script\\>alert(2)\\</script\\>');
    // Markup in the description stays text.
    expect(md).toContain('\\*\\*bold\\*\\*');
    expect(md).toContain('\\[link\\](javascript:alert(3))');
  });

  it('report.html holds no tag from the scenario: the description reads as the text it was', () => {
    const body = html.slice(0, html.indexOf('<script type="application/json"'));
    expect(body).not.toMatch(/<img src=x/);
    expect(body).not.toMatch(/<script>alert/);
    expect(body).not.toContain('<strong>bold</strong>');
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt; &#124; &lt;script&gt;alert(2)&lt;/script&gt;');
    // The report's JSON inside the page cannot close its script element.
    expect(html.slice(html.indexOf('id="report-data">'))).not.toMatch(/<\/script>[\s\S]*<\/script>/);
  });

  it('a | in a metric, a label or a column name stays in its table cell', () => {
    const expectationRow = md.split('\n').find((l) => l.startsWith('| variants'))!;
    expect(markdownCells(expectationRow)).toHaveLength(4);
    expect(unescapeMarkdown(markdownCells(expectationRow)[0])).toBe('variants[a|<b>].x');
    const columnRow = md.split('\n').find((l) => l.includes('weird'))!;
    expect(markdownCells(columnRow)).toHaveLength(3);
    expect(html).toContain('<td class="">weird&#124;&lt;col&gt;</td>');
    expect(md).toContain('- a\\|b (mia-loss) was refused by the broker: refused \\<b\\>value\\</b\\> \\| here');
  });

  it('a description line that would start a heading, a list or a table starts none', () => {
    for (const text of ['# not a heading', '- not a list', '| not | a table |', '1. not a list', '+ not a list']) {
      const escaped = escapeMarkdown(text);
      expect(escaped).not.toMatch(/^(#|-|\||1\.|\+)/);
      expect(unescapeMarkdown(escaped)).toBe(text);
      const h = renderHtml(reportOf(), `${escaped}\n`);
      expect(h).toMatch(/<p>[^<]*not/);
    }
  });

  it('a multi-line description keeps its paragraphs and loses its line-start markup', () => {
    const r = { ...reportOf(), scenario: { ...reportOf().scenario, description: 'First line\n# heading?\n\n| a | b |\n- item' } };
    const out = renderMarkdown(r);
    expect(out).toContain('First line \\# heading?\n\n\\| a \\| b \\| - item\n');
  });
});
