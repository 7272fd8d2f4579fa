import type { Region } from '../gql/graphql.js';

/** Every region, in the order the page offers them. */
export const REGIONS: Region[] = ['NA', 'EU', 'ASIA', 'SA', 'OCE'];
