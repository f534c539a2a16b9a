/**
 * PHQ-9 (Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16:606-613; public domain,
 * Pfizer). Nine items over the last two weeks, each 0-3; total 0-27 banded 0-4 minimal,
 * 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe. Item 9 (thoughts of
 * self-harm) above 0 prompts an immediate suicide-risk assessment whatever the total
 * (clinical-rules.md, "Standardized instruments").
 */
import type { AnswerOption, Instrument } from './types';

export const FREQUENCY_OPTIONS: readonly AnswerOption[] = [
  { code: 'not-at-all', display: 'Not at all', value: 0 },
  { code: 'several-days', display: 'Several days', value: 1 },
  { code: 'more-than-half-the-days', display: 'More than half the days', value: 2 },
  { code: 'nearly-every-day', display: 'Nearly every day', value: 3 },
];

const items = [
  'Little interest or pleasure in doing things',
  'Feeling down, depressed, or hopeless',
  'Trouble falling or staying asleep, or sleeping too much',
  'Feeling tired or having little energy',
  'Poor appetite or overeating',
  'Feeling bad about yourself, or that you are a failure or have let yourself or your family down',
  'Trouble concentrating on things, such as reading the newspaper or watching television',
  'Moving or speaking so slowly that other people could have noticed; or the opposite, being so fidgety or restless that you have been moving around a lot more than usual',
  'Thoughts that you would be better off dead, or of hurting yourself in some way',
].map((text, i) => ({ linkId: `phq9-${i + 1}`, text, options: FREQUENCY_OPTIONS }));

export const PHQ_9: Instrument = {
  id: 'PHQ-9',
  version: '2001',
  title: 'Patient Health Questionnaire-9 (depression)',
  loinc: '44249-1',
  citation: 'Kroenke K, Spitzer RL, Williams JB. The PHQ-9. J Gen Intern Med 2001;16(9):606-613',
  record: 'ASSESSMENTS',
  items,
  total: {
    items: items.map((i) => i.linkId),
    min: 0,
    max: 27,
    bands: [
      { min: 0, max: 4, code: 'MINIMAL', display: 'Minimal depression' },
      { min: 5, max: 9, code: 'MILD', display: 'Mild depression' },
      { min: 10, max: 14, code: 'MODERATE', display: 'Moderate depression' },
      { min: 15, max: 19, code: 'MODERATELY_SEVERE', display: 'Moderately severe depression' },
      { min: 20, max: 27, code: 'SEVERE', display: 'Severe depression' },
    ],
  },
  safetyFlags: [
    { code: 'SUICIDE_RISK', display: 'PHQ-9 item 9 positive: assess suicide risk now', linkId: 'phq9-9', minValue: 1 },
  ],
};
