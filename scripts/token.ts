/**
 * `npm run token -- --role nurse [--role physician] [--sub id] [--org partnerId] [--name "..."] [--expires 8h]`
 * prints a development token signed with the hub's HS256 secret (JWT_SECRET, or the
 * generated one in .data/ that `npm start` uses).
 */
import { parseArgs } from 'node:util';
import { ALL_ROLES, mintDevToken, type Role } from '../shared/auth';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      org: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string', default: '8h' },
    },
  });
  const roles = values.role ?? [];
  const unknown = roles.filter((r) => !ALL_ROLES.includes(r as Role));
  if (roles.length === 0 || unknown.length) {
    console.error(`usage: npm run token -- --role <${ALL_ROLES.join('|')}> [--sub id] [--org partnerId] [--name name] [--expires 8h]`);
    process.exit(2);
  }
  if (roles.includes('partner_staff') && !values.org) {
    console.error('partner_staff tokens need --org <community partner id>');
    process.exit(2);
  }
  console.log(await mintDevToken({ sub: values.sub ?? `dev-${roles[0]}`, roles: roles as Role[], org: values.org, name: values.name, expiresIn: values.expires }));
}

void main();
