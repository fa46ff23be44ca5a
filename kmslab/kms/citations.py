"""AWS documentation URLs that explanations and fixes cite. Must not: contain logic."""

from __future__ import annotations

_KMS = "https://docs.aws.amazon.com/kms/latest/developerguide/"
_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"

KEY_POLICIES = _KMS + "key-policies.html"
KEY_POLICY_DEFAULT = _KMS + "key-policy-default.html#key-policy-default-allow-root-enable-iam"
CROSS_ACCOUNT = _KMS + "key-policy-modifying-external-accounts.html"
IAM_POLICIES = _KMS + "iam-policies.html"
GRANTS = _KMS + "grants.html"
CONDITIONS_KMS = _KMS + "conditions-kms.html"
AWS_MANAGED_KEYS = _KMS + "concepts.html#aws-managed-key"
EVALUATION_LOGIC = _IAM + "reference_policies_evaluation-logic.html"
CROSS_ACCOUNT_LOGIC = _IAM + "reference_policies_evaluation-logic-cross-account.html"
CONDITION_OPERATORS = _IAM + "reference_policies_elements_condition_operators.html"
PRINCIPAL_ELEMENT = _IAM + "reference_policies_elements_principal.html"
API_PERMISSIONS = _KMS + "kms-api-permissions-reference.html"
PRINCIPAL_ACCOUNTS = PRINCIPAL_ELEMENT + "#principal-accounts"

_S3 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

S3_BUCKET_POLICIES = _S3 + "bucket-policies.html"
S3_CROSS_ACCOUNT = _S3 + "example-walkthroughs-managing-access-example2.html"
S3_OBJECT_AUTHORIZATION = _S3 + "access-control-auth-workflow-object-operation.html"
S3_BUCKET_AUTHORIZATION = _S3 + "access-control-auth-workflow-bucket-operation.html"
