// The Graph resources behind Microsoft's own verdict on admin MFA and the tenant's licences, as the app reads
// them (Graph v1.0 and beta reference pages named per type). Every property may be missing: beta resources
// change shape, and Secure Score entries carry undocumented fields (count, total, implementationStatus) that
// are read when present and never relied on blindly.

/** controlScore (v1.0): one control of a secureScore; the extra fields are what tenants see in practice. */
export interface ControlScore {
  controlName?: string | null;
  controlCategory?: string | null;
  /** Points achieved (a Double; some tenants see it as a string). */
  score?: number | string | null;
  scoreInPercentage?: number | string | null;
  description?: string | null;
  /** e.g. "You have 3 out of 9 users with administrative roles that aren't registered and protected with MFA." */
  implementationStatus?: string | null;
  /** Undocumented: compliant count and total, as strings. */
  count?: number | string | null;
  total?: number | string | null;
  lastSynced?: string | null;
}

/** secureScore (v1.0): the tenant's score of one day. */
export interface SecureScore {
  id?: string | null;
  azureTenantId?: string | null;
  createdDateTime?: string | null;
  currentScore?: number | null;
  maxScore?: number | null;
  controlScores?: ControlScore[] | null;
}

/** secureScoreControlProfile (v1.0). `maxScore` is documented as a String and returned as a number. */
export interface SecureScoreControlProfile {
  id?: string | null;
  controlName?: string | null;
  title?: string | null;
  maxScore?: number | string | null;
  deprecated?: boolean | null;
  service?: string | null;
  tier?: string | null;
  actionUrl?: string | null;
  lastModifiedDateTime?: string | null;
  controlStateUpdates?: Array<{ state?: string | null; updatedDateTime?: string | null; comment?: string | null }> | null;
}

/** recommendation (beta, directory/recommendations). */
export interface Recommendation {
  id: string;
  recommendationType?: string | null;
  displayName?: string | null;
  status?: string | null;
  category?: string | null;
  priority?: string | null;
  currentScore?: number | null;
  maxScore?: number | null;
  insights?: string | null;
  impactType?: string | null;
  lastCheckedDateTime?: string | null;
  lastModifiedDateTime?: string | null;
  postponeUntilDateTime?: string | null;
}

/** impactedResource (beta): a directory object a recommendation counts. */
export interface ImpactedResource {
  id: string;
  subjectId?: string | null;
  resourceType?: string | null;
  displayName?: string | null;
  status?: string | null;
  addedDateTime?: string | null;
  lastModifiedDateTime?: string | null;
  postponeUntilDateTime?: string | null;
}

/** subscribedSku (v1.0) with its service plans. */
export interface SubscribedSku {
  id?: string | null;
  skuId?: string | null;
  skuPartNumber?: string | null;
  appliesTo?: string | null;
  capabilityStatus?: string | null;
  servicePlans?: Array<{ servicePlanId?: string | null; servicePlanName?: string | null; provisioningStatus?: string | null; appliesTo?: string | null }> | null;
}

/** What the secure score collector keeps of Microsoft's AdminMFAV2 verdict (one item, `id: 'AdminMFAV2'`). */
export interface StoredSecureScore {
  id: string;
  displayName?: string | null;
  /** The latest secureScores entry, without its other controls: null when Graph listed no score at all. */
  score: { id: string | null; createdDateTime: string | null; controlNames: number; adminMfa: ControlScore | null; sampleControlNames: string[] } | null;
  /** The AdminMFAV2 control profile; null when Graph answered 404. */
  profile: SecureScoreControlProfile | null;
  /** Why the profile is missing, when it is. */
  profileProblem?: string | null;
}

/** The Entra recommendation for admin MFA and the admins it counts (one item, `id: 'adminMFAV2'`). */
export interface StoredRecommendation {
  id: string;
  displayName?: string | null;
  /** null: the tenant has no recommendation of that type. */
  recommendation: Recommendation | null;
  impactedResources: ImpactedResource[];
}

/** One admin's legacy per-user MFA state (users/{id}/authentication/requirements, beta). */
export interface StoredPerUserMfa {
  id: string;
  /** The admin's UPN (named in history). */
  displayName?: string | null;
  perUserMfaState: string | null;
}

/** The tenant's subscribed SKUs, kept whole as one item (`id: 'subscribedSkus'`). */
export interface StoredSubscribedSkus {
  id: string;
  displayName?: string | null;
  skus: SubscribedSku[];
}
