// Issue 16: throttle429 on every endpoint the collectors read (see matrix.ts).
import { afterAll } from 'vitest';
import { stopAzurite } from '../helpers/environment.js';
import { failureClass } from './matrix.js';

afterAll(stopAzurite);
failureClass('throttle429');
