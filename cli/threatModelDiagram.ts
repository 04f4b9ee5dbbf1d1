/**
 * The threat-model card as a diagram: three boxes (sharer | broker | receiver), each listing what it holds and its
 * defences, the adversary's box in red with what it wants; arrows labelled with the RPCs the receiver's seat can call
 * and the forward to the sharer's ModelHost; the referee's ground truth in a strip below. A Vega specification (rect,
 * text, rule and symbol marks over data this module lays out) rendered to SVG in Node, as the report's plots are
 * (cli/plots/render.ts): no SVG is written by hand, and Vega escapes every text it draws.
 */
import * as vega from 'vega';
import { moveKinds, type CardParty, type ThreatModelCard } from './threatModel';
import { GRANT_OPENS } from '../broker/grants';

const FONT = 'Helvetica, Arial, sans-serif';
const MARGIN = 16;
const BOX_WIDTH = 270;
/** Room between two boxes for an arrow and its labels (the longest RPC name, GrayBox.Trajectory, is ~110 px at 11 px). */
const GAP = 180;
const PAD = 10;
const LINE = 15;
const TEXT_SIZE = 11;
/** Characters per line inside a box: text widths are estimated (Node has no canvas to measure them). */
const BOX_CHARS = 40;
const COLOURS = { ink: '#222222', muted: '#666666', adversary: '#b3261e', defence: '#1b6e3a', box: '#555555', referee: '#888888' };

interface TextDatum {
  x: number;
  y: number;
  text: string;
  size: number;
  weight: 'normal' | 'bold';
  colour: string;
  align: 'left' | 'center' | 'right';
}
interface BoxDatum {
  x: number;
  y: number;
  x2: number;
  y2: number;
  stroke: string;
  width: number;
  dash: number[];
  fill: string;
}
interface RuleDatum {
  x: number;
  y: number;
  x2: number;
  y2: number;
  colour: string;
}
interface HeadDatum {
  x: number;
  y: number;
  shape: 'triangle-left' | 'triangle-right';
  colour: string;
}

/** Greedy word wrap at `width` characters; a word longer than a line is cut. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) lines.push(line);
      lines.push(word.slice(0, width));
      word = word.slice(width);
      line = '';
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** One box's lines, top to bottom, before placement: [text, colour, weight, extra space above]. */
type Line = { text: string; colour: string; weight: 'normal' | 'bold'; size: number; gapAbove: number };

function boxLines(name: string, role: string, party: CardParty, wants: string[]): Line[] {
  const lines: Line[] = [];
  const add = (text: string, colour: string, opts: Partial<Line> = {}) => {
    wrap(text, BOX_CHARS).forEach((t, i) => lines.push({ text: t, colour, weight: opts.weight ?? 'normal', size: opts.size ?? TEXT_SIZE, gapAbove: i === 0 ? opts.gapAbove ?? 0 : 0 }));
  };
  add(party.adversary ? `${name}: ADVERSARY` : name, party.adversary ? COLOURS.adversary : COLOURS.ink, { weight: 'bold', size: 14 });
  add(role, COLOURS.muted);
  add('holds', COLOURS.ink, { weight: 'bold', gapAbove: 6 });
  for (const h of party.holds) add(`• ${h}`, COLOURS.ink);
  if (wants.length > 0) {
    add('wants', COLOURS.adversary, { weight: 'bold', gapAbove: 6 });
    for (const w of wants) add(`• ${w}`, COLOURS.adversary);
  }
  add('defences', COLOURS.defence, { weight: 'bold', gapAbove: 6 });
  if (party.defences.length === 0) add('none', COLOURS.muted);
  for (const d of party.defences) add(`• ${d.kind}`, COLOURS.defence);
  return lines;
}

function linesHeight(lines: Line[]): number {
  return lines.reduce((h, l) => h + l.gapAbove + (l.size > TEXT_SIZE ? l.size + 5 : LINE), 0);
}

/** The diagram's Vega specification: every mark's data laid out here, in pixels. */
export function threatModelSpec(card: ThreatModelCard): vega.Spec {
  const wantsOf = (party: 'sharer' | 'receiver') =>
    card.adversaries.filter((a) => a.party === party).map((a) => `${a.goal ?? 'its own goal'}, against the ${a.against}: ${moveKinds(a.moves)}`);
  const columns = [
    { lines: boxLines('sharer', 'trains the model on its private data', card.parties.sharer, wantsOf('sharer')) },
    { lines: boxLines('broker', 'the only door: grants, budget, audit', card.parties.broker, []) },
    { lines: boxLines(card.externalReceiver ? 'receiver (external)' : 'receiver', card.parties.receiver.adversary ? 'attacks through the broker' : 'draws samples for its classifiers', card.parties.receiver, wantsOf('receiver')) },
  ];
  const texts: TextDatum[] = [];
  const title: TextDatum = { x: MARGIN, y: MARGIN + 12, text: `Threat model: ${card.scenario}${card.sweep ? ' (base scenario of a sweep)' : ''}`, size: 15, weight: 'bold', colour: COLOURS.ink, align: 'left' };
  texts.push(title);
  // A sweep: what it varies, under the title (the boxes are the base scenario's).
  const sweepLines = card.sweep ? wrap(`the sweep varies ${card.sweep.varies.map((v) => `${v.axis} (${v.values.join(', ')})`).join('; ')}`, 170) : [];
  sweepLines.forEach((text, i) => texts.push({ x: MARGIN, y: MARGIN + 30 + i * LINE, text, size: TEXT_SIZE, weight: 'normal', colour: COLOURS.muted, align: 'left' }));
  const top = MARGIN + 32 + sweepLines.length * LINE;
  // The arrows' labels: every RPC the receiver can call, one per line, above the calls arrow.
  const widened = card.grants.filter((g) => 'describeField' in GRANT_OPENS[g]);
  const rpcLabels = card.rpcs.flatMap((r) => (r.opensWith === null && r.rpc === 'Gateway.Describe' && widened.length > 0 ? [r.rpc, `+ class shares (${widened.join(', ')})`] : [r.rpc]));
  const callsY = top + 40 + rpcLabels.length * LINE;
  const arrowsBottom = callsY + 46;
  const boxHeight = Math.max(...columns.map((c) => linesHeight(c.lines) + 2 * PAD), arrowsBottom - top + PAD);
  const boxes: BoxDatum[] = [];
  const rules: RuleDatum[] = [];
  const heads: HeadDatum[] = [];
  const adversary = [card.parties.sharer.adversary, false, card.parties.receiver.adversary];
  columns.forEach((column, i) => {
    const x = MARGIN + i * (BOX_WIDTH + GAP);
    boxes.push({ x, y: top, x2: x + BOX_WIDTH, y2: top + boxHeight, stroke: adversary[i] ? COLOURS.adversary : COLOURS.box, width: adversary[i] ? 3 : 1.5, dash: [], fill: adversary[i] ? '#fdf1f0' : '#fafafa' });
    let y = top + PAD;
    for (const line of column.lines) {
      y += line.gapAbove + (line.size > TEXT_SIZE ? line.size + 5 : LINE);
      texts.push({ x: x + PAD, y: y - 4, text: line.text, size: line.size, weight: line.weight, colour: line.colour, align: 'left' });
    }
  });
  // An arrow from `fromX` to `toX` at height y, its head at toX.
  const arrow = (fromX: number, toX: number, y: number, colour: string) => {
    rules.push({ x: fromX, y, x2: toX, y2: y, colour });
    heads.push({ x: toX + (toX < fromX ? 5 : -5), y, shape: toX < fromX ? 'triangle-left' : 'triangle-right', colour });
  };
  const brokerRight = MARGIN + 2 * BOX_WIDTH + GAP;
  const receiverLeft = MARGIN + 2 * (BOX_WIDTH + GAP);
  const sharerRight = MARGIN + BOX_WIDTH;
  const brokerLeft = MARGIN + BOX_WIDTH + GAP;
  const mid = (a: number, b: number) => (a + b) / 2;
  const callColour = card.parties.receiver.adversary ? COLOURS.adversary : COLOURS.ink;
  // Receiver → broker: the live RPCs; broker → receiver: what comes back.
  texts.push({ x: mid(brokerRight, receiverLeft), y: top + 24, text: 'calls (the live RPCs)', size: TEXT_SIZE, weight: 'bold', colour: callColour, align: 'center' });
  rpcLabels.forEach((rpc, i) => texts.push({ x: mid(brokerRight, receiverLeft), y: top + 40 + i * LINE, text: rpc, size: TEXT_SIZE, weight: 'normal', colour: callColour, align: 'center' }));
  arrow(receiverLeft - 4, brokerRight + 4, callsY, callColour);
  arrow(brokerRight + 4, receiverLeft - 4, callsY + 22, COLOURS.muted);
  texts.push({ x: mid(brokerRight, receiverLeft), y: callsY + 38, text: 'answers, metered', size: TEXT_SIZE, weight: 'normal', colour: COLOURS.muted, align: 'center' });
  // Broker → sharer: the forward.
  texts.push({ x: mid(sharerRight, brokerLeft), y: callsY - 20, text: 'ModelHost', size: TEXT_SIZE, weight: 'bold', colour: COLOURS.ink, align: 'center' });
  texts.push({ x: mid(sharerRight, brokerLeft), y: callsY - 6, text: 'each granted call', size: TEXT_SIZE, weight: 'normal', colour: COLOURS.ink, align: 'center' });
  arrow(brokerLeft - 4, sharerRight + 4, callsY, COLOURS.ink);
  arrow(sharerRight + 4, brokerLeft - 4, callsY + 22, COLOURS.muted);
  const sharerAnswer = card.parties.sharer.adversary ? 'answers (its poisoned model)' : 'answers';
  texts.push({ x: mid(sharerRight, brokerLeft), y: callsY + 38, text: sharerAnswer, size: TEXT_SIZE, weight: 'normal', colour: card.parties.sharer.adversary ? COLOURS.adversary : COLOURS.muted, align: 'center' });

  // The referee: outside the exchange, the ground truth.
  const width = 2 * MARGIN + 3 * BOX_WIDTH + 2 * GAP;
  const refereeTop = top + boxHeight + 18;
  const refereeLines = wrap(`referee (no party to the exchange) holds the ground truth: ${card.referee.holds.join('; ')}`, Math.floor((width - 2 * MARGIN - 2 * PAD) / 6.2));
  const refereeHeight = refereeLines.length * LINE + 2 * PAD;
  boxes.push({ x: MARGIN, y: refereeTop, x2: width - MARGIN, y2: refereeTop + refereeHeight, stroke: COLOURS.referee, width: 1.5, dash: [5, 4], fill: '#ffffff' });
  refereeLines.forEach((text, i) => texts.push({ x: MARGIN + PAD, y: refereeTop + PAD + (i + 1) * LINE - 4, text, size: TEXT_SIZE, weight: 'normal', colour: COLOURS.muted, align: 'left' }));
  const height = refereeTop + refereeHeight + MARGIN;

  return {
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    description: `Threat model of scenario ${card.scenario}`,
    width,
    height,
    padding: 0,
    autosize: 'none',
    background: '#ffffff',
    data: [
      { name: 'boxes', values: boxes },
      { name: 'rules', values: rules },
      { name: 'heads', values: heads },
      { name: 'texts', values: texts },
    ],
    marks: [
      {
        type: 'rect',
        from: { data: 'boxes' },
        encode: {
          enter: {
            x: { field: 'x' },
            y: { field: 'y' },
            x2: { field: 'x2' },
            y2: { field: 'y2' },
            stroke: { field: 'stroke' },
            strokeWidth: { field: 'width' },
            strokeDash: { field: 'dash' },
            fill: { field: 'fill' },
            cornerRadius: { value: 6 },
          },
        },
      },
      {
        type: 'rule',
        from: { data: 'rules' },
        encode: { enter: { x: { field: 'x' }, y: { field: 'y' }, x2: { field: 'x2' }, y2: { field: 'y2' }, stroke: { field: 'colour' }, strokeWidth: { value: 2 } } },
      },
      {
        type: 'symbol',
        from: { data: 'heads' },
        encode: { enter: { x: { field: 'x' }, y: { field: 'y' }, shape: { field: 'shape' }, size: { value: 90 }, fill: { field: 'colour' }, strokeWidth: { value: 0 } } },
      },
      {
        type: 'text',
        from: { data: 'texts' },
        encode: {
          enter: {
            x: { field: 'x' },
            y: { field: 'y' },
            text: { field: 'text' },
            fontSize: { field: 'size' },
            fontWeight: { field: 'weight' },
            fill: { field: 'colour' },
            align: { field: 'align' },
            font: { value: FONT },
          },
        },
      },
    ],
  };
}

/** The diagram as an SVG document. */
export async function renderThreatModelSvg(card: ThreatModelCard): Promise<string> {
  const view = new vega.View(vega.parse(threatModelSpec(card)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
