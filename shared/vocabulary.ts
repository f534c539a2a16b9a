/**
 * Vocabulary more than one subgraph speaks. Federation requires an enum shared by
 * several subgraphs to be identical in each, so it is defined once, here.
 */
import { registerEnumType } from 'type-graphql';

/** Social determinants of health categories (Gravity SDOH domains, as the program uses them). */
export enum SocialNeedCategory {
  FOOD_INSECURITY = 'FOOD_INSECURITY',
  HOUSING_INSTABILITY = 'HOUSING_INSTABILITY',
  HOUSING_QUALITY = 'HOUSING_QUALITY',
  TRANSPORTATION = 'TRANSPORTATION',
  UTILITIES = 'UTILITIES',
  INTERPERSONAL_SAFETY = 'INTERPERSONAL_SAFETY',
  FINANCIAL_STRAIN = 'FINANCIAL_STRAIN',
  EMPLOYMENT = 'EMPLOYMENT',
  SOCIAL_ISOLATION = 'SOCIAL_ISOLATION',
}
registerEnumType(SocialNeedCategory, { name: 'SocialNeedCategory', description: 'Social need (SDOH) category' });
