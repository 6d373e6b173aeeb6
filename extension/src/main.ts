// The bundle's entry (kept apart from index.tsx so tests can import without registering).
import { register } from './index';

register();
