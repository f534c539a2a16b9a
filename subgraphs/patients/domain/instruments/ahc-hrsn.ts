/**
 * The CMS Accountable Health Communities Health-Related Social Needs screening tool
 * (Billioux et al., NAM Perspectives 2017; public use), its core domains as its guide
 * scores them (clinical-rules.md, "Standardized instruments"): living situation
 * (housing instability: either of the two "not steady" answers), food insecurity
 * ("often true" or "sometimes true" to either food item), transportation problems
 * ("yes"), utility help needs ("yes" or "already shut off"), and interpersonal safety
 * (four items scored 1-5, positive when their sum is over 10). There is no total score.
 * Not included: the core housing-quality item (a choose-all list of problems), which
 * needs multiple answers per item.
 */
import { SocialNeedCategory } from '../../../../shared/vocabulary';
import type { AnswerOption, Instrument } from './types';

const FOOD: readonly AnswerOption[] = [
  { code: 'often-true', display: 'Often true', value: null },
  { code: 'sometimes-true', display: 'Sometimes true', value: null },
  { code: 'never-true', display: 'Never true', value: null },
];
const YES_NO: readonly AnswerOption[] = [
  { code: 'yes', display: 'Yes', value: null },
  { code: 'no', display: 'No', value: null },
];
const SAFETY: readonly AnswerOption[] = [
  { code: 'never', display: 'Never', value: 1 },
  { code: 'rarely', display: 'Rarely', value: 2 },
  { code: 'sometimes', display: 'Sometimes', value: 3 },
  { code: 'fairly-often', display: 'Fairly often', value: 4 },
  { code: 'frequently', display: 'Frequently', value: 5 },
];

export const AHC_HRSN: Instrument = {
  id: 'AHC-HRSN',
  version: '2017-core',
  title: 'Accountable Health Communities Health-Related Social Needs Screening Tool (core domains)',
  loinc: '96777-8',
  citation: 'Billioux A, Verlander K, Anthony S, Alley D. Standardized Screening for Health-Related Social Needs in Clinical Settings: The Accountable Health Communities Screening Tool. NAM Perspectives 2017',
  record: 'SOCIAL_NEEDS',
  items: [
    {
      linkId: 'living-situation', text: 'What is your living situation today?', options: [
        { code: 'steady-place', display: 'I have a steady place to live', value: null },
        { code: 'worried-about-losing', display: 'I have a place to live today, but I am worried about losing it in the future', value: null },
        { code: 'no-steady-place', display: 'I do not have a steady place to live (temporarily staying with others, in a hotel, in a shelter, living outside, in a car, ...)', value: null },
      ],
    },
    { linkId: 'food-worry', text: 'Within the past 12 months, you worried that your food would run out before you got money to buy more.', options: FOOD },
    { linkId: 'food-did-not-last', text: "Within the past 12 months, the food you bought just didn't last and you didn't have money to get more.", options: FOOD },
    { linkId: 'transportation', text: 'In the past 12 months, has lack of reliable transportation kept you from medical appointments, meetings, work or from getting things needed for daily living?', options: YES_NO },
    {
      linkId: 'utilities', text: 'In the past 12 months has the electric, gas, oil, or water company threatened to shut off services in your home?', options: [
        ...YES_NO, { code: 'already-shut-off', display: 'Already shut off', value: null },
      ],
    },
    { linkId: 'safety-hurt', text: 'How often does anyone, including family and friends, physically hurt you?', options: SAFETY },
    { linkId: 'safety-insult', text: 'How often does anyone, including family and friends, insult or talk down to you?', options: SAFETY },
    { linkId: 'safety-threaten', text: 'How often does anyone, including family and friends, threaten you with harm?', options: SAFETY },
    { linkId: 'safety-scream', text: 'How often does anyone, including family and friends, scream or curse at you?', options: SAFETY },
  ],
  domains: [
    {
      code: 'HOUSING_INSTABILITY', display: 'Housing instability', items: ['living-situation'],
      positiveWhen: { kind: 'ANY_ANSWER_IN', codes: ['worried-about-losing', 'no-steady-place'] }, socialNeedCategory: SocialNeedCategory.HOUSING_INSTABILITY,
    },
    {
      code: 'FOOD_INSECURITY', display: 'Food insecurity', items: ['food-worry', 'food-did-not-last'],
      positiveWhen: { kind: 'ANY_ANSWER_IN', codes: ['often-true', 'sometimes-true'] }, socialNeedCategory: SocialNeedCategory.FOOD_INSECURITY,
    },
    {
      code: 'TRANSPORTATION', display: 'Transportation problems', items: ['transportation'],
      positiveWhen: { kind: 'ANY_ANSWER_IN', codes: ['yes'] }, socialNeedCategory: SocialNeedCategory.TRANSPORTATION,
    },
    {
      code: 'UTILITIES', display: 'Utility help needs', items: ['utilities'],
      positiveWhen: { kind: 'ANY_ANSWER_IN', codes: ['yes', 'already-shut-off'] }, socialNeedCategory: SocialNeedCategory.UTILITIES,
    },
    {
      code: 'INTERPERSONAL_SAFETY', display: 'Interpersonal safety', items: ['safety-hurt', 'safety-insult', 'safety-threaten', 'safety-scream'],
      positiveWhen: { kind: 'SUM_GREATER_THAN', threshold: 10 }, socialNeedCategory: SocialNeedCategory.INTERPERSONAL_SAFETY,
    },
  ],
};
