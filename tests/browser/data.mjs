// Real typing rhythms from the public data sets in DATA_DIR (../shared/data), replayed through
// Playwright's keyboard with the recorded timings:
// - CMU keystroke benchmark (Killourhy & Maxion 2009): 51 subjects typing ".tie5Roanl" +
//   Return, with hold (H), down-down (DD) times per key, in seconds;
// - Aalto 136M keystrokes subset (Dhakal et al. 2018): free-text sentences with press and
//   release times in epoch milliseconds.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The password every CMU subject typed (without the final Return). */
export const CMU_PASSWORD = '.tie5Roanl';
/** CMU key names → `KeyboardEvent.code`; `Shift.r` is Shift held around R. */
const CMU_KEYS = [
  ['period', 'Period'],
  ['t', 'KeyT'],
  ['i', 'KeyI'],
  ['e', 'KeyE'],
  ['five', 'Digit5'],
  ['Shift.r', 'KeyR'],
  ['o', 'KeyO'],
  ['a', 'KeyA'],
  ['n', 'KeyN'],
  ['l', 'KeyL'],
];

/** One key press of a rhythm: `code` down at `down` ms, up at `up` ms, optionally shifted. */
function press(code, down, up, shift = false) {
  return { code, down, up, shift };
}

/** The CMU repetitions of `subject` (e.g. "s002"), each a list of presses in ms. */
export function cmuRhythms(dataDir, subject) {
  const text = readFileSync(join(dataDir, 'keystroke', 'DSL-StrongPasswordData.csv'), 'utf8');
  const [header, ...lines] = text.trim().split('\n');
  const columns = header.split(',');
  const rhythms = [];
  for (const line of lines) {
    const values = line.split(',');
    if (values[0] !== subject) continue;
    const row = Object.fromEntries(columns.map((column, index) => [column, values[index]]));
    let down = 0;
    const presses = [];
    CMU_KEYS.forEach(([name, code], index) => {
      if (index > 0) down += 1000 * Number(row[`DD.${CMU_KEYS[index - 1][0]}.${name}`]);
      presses.push(press(code, down, down + 1000 * Number(row[`H.${name}`]), name === 'Shift.r'));
    });
    rhythms.push(presses);
  }
  if (!rhythms.length) throw new Error(`no CMU subject ${subject} in ${dataDir}`);
  return rhythms;
}

/** Aalto LETTER values → `KeyboardEvent.code` (letters and digits are mapped in `aaltoCode`). */
const AALTO_KEYS = {
  ' ': 'Space',
  ',': 'Comma',
  '.': 'Period',
  "'": 'Quote',
  '?': 'Slash',
  '-': 'Minus',
  ';': 'Semicolon',
  BKSP: 'Backspace',
  SHIFT: 'ShiftLeft',
};

function aaltoCode(letter) {
  if (/^[a-z]$/i.test(letter)) return `Key${letter.toUpperCase()}`;
  if (/^[0-9]$/.test(letter)) return `Digit${letter}`;
  return AALTO_KEYS[letter] || null;
}

/** The Aalto sentences of `participant` (e.g. 187), each a list of presses in ms from 0. */
export function aaltoSentences(dataDir, participant) {
  const file = join(dataDir, 'aalto136m-subset', 'keystrokes', `${participant}_keystrokes.txt`);
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const columns = header.split('\t');
  const bySection = new Map();
  for (const line of lines) {
    const values = line.split('\t');
    const row = Object.fromEntries(columns.map((column, index) => [column, values[index]]));
    const code = aaltoCode(row.LETTER);
    if (!code) continue;
    const section = bySection.get(row.TEST_SECTION_ID) || [];
    section.push({ code, down: Number(row.PRESS_TIME), up: Number(row.RELEASE_TIME) });
    bySection.set(row.TEST_SECTION_ID, section);
  }
  return [...bySection.values()].map((presses) => {
    const start = presses[0].down;
    return presses
      .filter((p) => p.up >= p.down && p.up - p.down < 2000)
      .map((p) => press(p.code, p.down - start, p.up - start));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Types `presses` into the focused element of `page` with their timings: every key-down and
 * key-up is sent at its recorded offset from the start (overlaps included), so delays of the
 * test machine do not accumulate. Shifted presses hold Shift around the key. `stop()`, when
 * given, is asked before every key event: when it says true, held keys are released and the
 * typing stops (the person sees a dialog and stops typing).
 */
export async function replay(page, presses, { stop = () => false } = {}) {
  const actions = [];
  for (const p of presses) {
    if (p.shift) {
      actions.push({ at: Math.max(0, p.down - 40), kind: 'down', key: 'Shift' });
      actions.push({ at: p.up + 15, kind: 'up', key: 'Shift' });
    }
    actions.push({ at: p.down, kind: 'down', key: p.code });
    actions.push({ at: p.up, kind: 'up', key: p.code });
  }
  actions.sort((a, b) => a.at - b.at || (a.kind === 'down' ? -1 : 1));
  const held = new Set();
  const start = performance.now();
  for (const action of actions) {
    const wait = start + action.at - performance.now();
    if (wait > 0) await sleep(wait);
    if (stop()) {
      for (const key of held) await page.keyboard.up(key);
      return false;
    }
    if (action.kind === 'down') {
      if (held.has(action.key)) continue;
      held.add(action.key);
      await page.keyboard.down(action.key);
    } else if (held.has(action.key)) {
      held.delete(action.key);
      await page.keyboard.up(action.key);
    }
  }
  return true;
}

/** Presses Enter the way a person does (a short hold). */
export async function enter(page) {
  await page.keyboard.down('Enter');
  await sleep(80);
  await page.keyboard.up('Enter');
}
