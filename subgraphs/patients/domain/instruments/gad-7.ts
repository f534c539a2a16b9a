/**
 * GAD-7 (Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166:1092-1097; public
 * domain, Pfizer). Seven items over the last two weeks, each 0-3; total 0-21 banded 0-4
 * minimal, 5-9 mild, 10-14 moderate, 15-21 severe (clinical-rules.md, "Standardized instruments").
 */
import { FREQUENCY_OPTIONS } from './phq-9';
import type { Instrument } from './types';

const items = [
  'Feeling nervous, anxious, or on edge',
  'Not being able to stop or control worrying',
  'Worrying too much about different things',
  'Trouble relaxing',
  'Being so restless that it is hard to sit still',
  'Becoming easily annoyed or irritable',
  'Feeling afraid, as if something awful might happen',
].map((text, i) => ({ linkId: `gad7-${i + 1}`, text, options: FREQUENCY_OPTIONS }));

export const GAD_7: Instrument = {
  id: 'GAD-7',
  version: '2006',
  title: 'Generalized Anxiety Disorder-7',
  loinc: '69737-5',
  citation: 'Spitzer RL, Kroenke K, Williams JB, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166(10):1092-1097',
  record: 'ASSESSMENTS',
  items,
  total: {
    items: items.map((i) => i.linkId),
    min: 0,
    max: 21,
    bands: [
      { min: 0, max: 4, code: 'MINIMAL', display: 'Minimal anxiety' },
      { min: 5, max: 9, code: 'MILD', display: 'Mild anxiety' },
      { min: 10, max: 14, code: 'MODERATE', display: 'Moderate anxiety' },
      { min: 15, max: 21, code: 'SEVERE', display: 'Severe anxiety' },
    ],
  },
};
