// TypingDNA's recorder, only where the server uses it. `GET /api/v1/biometrics/config` says
// whether the optional TypingDNA detector is on and which pattern type it sends
// (`src/routes/client_config.rs`); only then is the vendored recorder
// (`/static/vendor/typingdna.js`, TypingDNA's own v3.1) loaded and a pattern added to samples
// as `typingdna_pattern`. When it is off the script is never requested and samples carry no
// pattern.
//
//   const tdna = await typingDna(['password']);        // null when TypingDNA is off
//   sample.typingdna_pattern = tdna?.pattern({ targetId: 'password', text: typed, fixedText: true });
//   tdna?.reset();
//
// One pattern type per deployment, for save and verify alike (TypingDNA refuses to compare
// types): `diagram` records `getTypingPattern({type: 1, text, targetId})` and is only attached
// to fixed-text samples (the password: same text each time, what a diagram pattern compares);
// `anytext` records `getTypingPattern({type: 0, targetId})` for every keystroke sample. The
// recorder listens on the given field ids only (`addTarget`), so nothing typed elsewhere on
// the page enters a pattern.

import { call } from './api.js';

const SCRIPT = '/static/vendor/typingdna.js';
/** `getTypingPattern` type of each server `pattern_type`. */
const RECORDER_TYPE = { diagram: 1, anytext: 0 };

let loading = null;

/** What the server says about TypingDNA, or off when it cannot be asked. */
async function config() {
  try {
    const answer = await call('GET', '/api/v1/biometrics/config', undefined, { auth: false });
    return (answer && answer.typingdna) || { enabled: false, pattern_type: null };
  } catch {
    return { enabled: false, pattern_type: null };
  }
}

/** Adds the vendored recorder's `<script>` once; resolves when `window.TypingDNA` exists. */
function loadScript() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      if (typeof window.TypingDNA === 'function') {
        resolve();
        return;
      }
      const script = document.createElement('script');
      script.src = SCRIPT;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error(`${SCRIPT} did not load`));
      document.head.append(script);
    });
  }
  return loading;
}

/**
 * The recorder for the fields with ids `targetIds`, or null when TypingDNA is off (or its
 * script failed to load: the sample then goes without a pattern, as the server allows).
 */
export async function typingDna(targetIds) {
  const { enabled, pattern_type: patternType } = await config();
  const type = RECORDER_TYPE[patternType];
  if (!enabled || type === undefined) return null;
  try {
    await loadScript();
  } catch {
    return null;
  }
  const tdna = new window.TypingDNA(); // a singleton: every call gets the same recorder
  for (const id of targetIds) tdna.addTarget(id);
  return {
    patternType,
    /**
     * The pattern of what was typed in `targetId` since the last reset, or undefined when
     * this sample should carry none (a free-text sample under `diagram`, nothing recorded).
     */
    pattern({ targetId, text, fixedText }) {
      if (type === 1 && !fixedText) return undefined;
      const pattern = type === 1
        ? tdna.getTypingPattern({ type, text, targetId })
        : tdna.getTypingPattern({ type, targetId });
      return typeof pattern === 'string' && pattern ? pattern : undefined;
    },
    /** Forgets what was typed (after each sample, so the next holds one typing). */
    reset() {
      tdna.reset();
    },
  };
}

/**
 * `sample` with the TypingDNA pattern of `targetId` added (when there is one), then the
 * recorder reset. `tdna` may be null (TypingDNA off): the sample is returned unchanged.
 */
export function withPattern(tdna, sample, { targetId, text, fixedText }) {
  if (!tdna) return sample;
  const pattern = tdna.pattern({ targetId, text, fixedText });
  tdna.reset();
  return pattern ? { ...sample, typingdna_pattern: pattern } : sample;
}
