/** What the hub prints for a newcomer: demo tokens and a first query. */
import { mintDevToken, Role } from '../shared/auth';
import { DEMO_PARTNERS, DEMO_PRACTITIONERS } from './seed/population';

export async function demoTokens(): Promise<Record<string, string>> {
  const coordinator = DEMO_PRACTITIONERS[0];
  const nurse = DEMO_PRACTITIONERS[1];
  return {
    'care coordinator': await mintDevToken({ sub: coordinator.id, name: coordinator.name, roles: [Role.CARE_COORDINATOR], expiresIn: '12h' }),
    nurse: await mintDevToken({ sub: nurse.id, name: nurse.name, roles: [Role.NURSE], expiresIn: '12h' }),
    'partner user (food bank)': await mintDevToken({ sub: 'demo-partner-user', name: 'Dana Whitfield', roles: [Role.PARTNER_STAFF], org: DEMO_PARTNERS[0].id, expiresIn: '12h' }),
    admin: await mintDevToken({ sub: 'demo-admin', name: 'Hub Admin', roles: [Role.ADMIN], expiresIn: '12h' }),
  };
}

export const SAMPLE_QUERY = `query Worklist {
  patients(first: 3) {
    totalCount
    edges { node { mrn givenName familyName
      careTeams { name members(first: 10) { edges { node { role practitionerId } } } }
      carePlans { title status version }
      referrals(first: 5) { totalCount edges { node { status partner { name } } } } } }
  }
  kpiTargets { key target comparator }
}`;

export function curlExample(url: string, token: string): string {
  const body = JSON.stringify({ query: SAMPLE_QUERY.replace(/\s+/g, ' ') });
  return `curl -s ${url} -H 'content-type: application/json' -H "authorization: Bearer ${token}" -d '${body}'`;
}
