import { z } from 'zod';

// Zod decides at schema creation whether to compile parsers with `new Function`, which the
// page's CSP forbids. This module must be imported before anything that builds a schema.
z.config({ jitless: true });
