/** Diseases, not codes (clinical-rules.md, "CMS CCM — conditions"): the documented ICD-10-CM category mapping. */
import { chronicByDefault, diseaseOf, distinctDiseaseCount } from './diseases';

describe('diseaseOf — a code counts as its disease (CMS CCM counts conditions, not diagnosis codes)', () => {
  it('is the three-character category: E11.9 and E11.22 are type 2 diabetes, E11', () => {
    expect(diseaseOf('E11.9')).toBe('E11');
    expect(diseaseOf('e1122')).toBe('E11');
    expect(diseaseOf('I10')).toBe('I10');
  });

  it('groups categories ICD-10-CM splits one disease over (emphysema is COPD; CKD with hypertension is CKD)', () => {
    expect(diseaseOf('J43.9')).toBe(diseaseOf('J44.9'));
    expect(diseaseOf('I12.9')).toBe('N18');
    expect(diseaseOf('I13.0')).toBe('I50');
    expect(diseaseOf('F32.9')).toBe(diseaseOf('F33.1'));
  });

  it('keeps type 1 and type 2 diabetes distinct diseases', () => {
    expect(distinctDiseaseCount(['E10.9', 'E11.9'])).toBe(2);
    expect(distinctDiseaseCount(['E11.9', 'E11.22', 'E11.65'])).toBe(1);
  });
});

describe('chronicByDefault — expected to last ≥12 months (CMS CCM eligibility) where the clinician does not say', () => {
  it('Charlson categories and the documented chronic categories are chronic; acute codes are not', () => {
    expect(chronicByDefault('I50.9')).toBe(true);
    expect(chronicByDefault('I10')).toBe(true); // essential hypertension
    expect(chronicByDefault('F32.9')).toBe(true);
    expect(chronicByDefault('I25.10')).toBe(true);
    expect(chronicByDefault('R07.9')).toBe(false);
    expect(chronicByDefault('J18.9')).toBe(false);
  });
});
