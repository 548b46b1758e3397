/**
 * Typed sessions: a class-validator / class-transformer class that session data is turned into and checked
 * against when it loads, and turned back into plain JSON when it is saved.
 */
import { instanceToPlain, plainToInstance, type ClassConstructor, type ClassTransformOptions } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';
import { SessionValidationError, type SessionValidationIssue } from '../errors';
import { debug } from '../internal/debug';
import type { SessionRecord } from '../record';

/** What happens to stored data that fails the schema. */
export type InvalidSessionPolicy = 'reset' | 'reject';

/** Options of the `validation` session option, used with `schema`. */
export interface SessionValidationOptions {
  /** class-validator options for the check at load time (e.g. `whitelist`, `forbidNonWhitelisted`, `groups`). */
  validator?: ValidatorOptions;
  /** class-transformer options for both directions (e.g. `excludeExtraneousValues`, `groups`). */
  transformer?: ClassTransformOptions;
  /**
   * Stored data that fails the schema: `'reset'` starts a fresh empty session and removes the record;
   * `'reject'` fails the request with `SessionValidationError` (400), leaving the record alone.
   * @default 'reset'
   */
  onInvalid?: InvalidSessionPolicy;
  /**
   * Check the data against the schema before saving too: a handler cannot persist what would fail at the next
   * load. A failure fails the request with `SessionValidationError` (500) and nothing is written.
   * @default false
   */
  beforeSave?: boolean;
}

/** The schema of one session configuration. */
export class SessionSchema {
  readonly onInvalid: InvalidSessionPolicy;
  readonly beforeSave: boolean;
  private readonly validator: ValidatorOptions;
  private readonly transformer: ClassTransformOptions;

  constructor(
    readonly type: ClassConstructor<object>,
    options: SessionValidationOptions = {},
  ) {
    this.onInvalid = options.onInvalid ?? 'reset';
    this.beforeSave = options.beforeSave ?? false;
    // Values never go into the errors: they may be secrets.
    this.validator = { ...options.validator, validationError: { target: false, value: false } };
    this.transformer = options.transformer ?? {};
  }

  /** An empty object of the schema's class: the target `req.session` stands for. */
  createTarget(): SessionRecord {
    return Object.create(this.type.prototype) as SessionRecord;
  }

  /**
   * Stored data as an instance of the schema, with its plain JSON form as it would be stored again, or the issues
   * that make it invalid. Whatever class-transformer or class-validator throws on it, either way (an object key
   * named `constructor` makes class-transformer throw), is invalid data.
   */
  async load(
    data: SessionRecord,
  ): Promise<{ instance: SessionRecord; plain: SessionRecord } | { issues: SessionValidationIssue[] }> {
    let issues: SessionValidationIssue[];
    try {
      const instance = plainToInstance(this.type, data, this.transformer) as SessionRecord;
      const errors = await validate(instance, this.validator);
      if (errors.length === 0) return { instance, plain: instanceToPlain(instance, this.transformer) as SessionRecord };
      issues = toIssues(errors);
    } catch {
      issues = [UNTRANSFORMABLE];
    }
    debug('stored session data failed the schema %s; policy %s', this.type.name, this.onInvalid);
    return { issues };
  }

  /** The plain JSON form of session data, as stored; `SessionValidationError` (500) when it cannot be made. */
  toPlain(data: SessionRecord): SessionRecord {
    try {
      return instanceToPlain(data, this.transformer) as SessionRecord;
    } catch {
      throw this.unsaved('cannot be turned into JSON through', [UNTRANSFORMABLE]);
    }
  }

  /** Throws `SessionValidationError` (500) when data about to be saved fails the schema. */
  async checkBeforeSave(plain: SessionRecord): Promise<void> {
    let errors: ValidationError[];
    try {
      errors = await validate(plainToInstance(this.type, plain, this.transformer), this.validator);
    } catch {
      throw this.unsaved('cannot be turned into', [UNTRANSFORMABLE]);
    }
    if (errors.length > 0) throw this.unsaved('fails', toIssues(errors));
  }

  private unsaved(problem: string, issues: SessionValidationIssue[]): SessionValidationError {
    return new SessionValidationError(
      500,
      `The session data ${problem} ${this.type.name} and was not saved; see \`errors\``,
      issues,
    );
  }
}

/** The issue of data that class-transformer cannot handle at all. */
const UNTRANSFORMABLE: SessionValidationIssue = Object.freeze({
  property: '*',
  constraints: {
    transformable: 'class-transformer failed on this data (an object key named "constructor" is a known cause)',
  },
  children: [],
});

function toIssues(errors: ValidationError[]): SessionValidationIssue[] {
  return errors.map(error => ({
    property: error.property,
    constraints: error.constraints ?? {},
    children: toIssues(error.children ?? []),
  }));
}
