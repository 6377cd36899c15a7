"""What the execution roles deliberately do not get, of what the resource schemas list, and why.

A schema lists every permission its handler may need for any property of the type; this stack sets only some
properties. Each entry below names the permissions, the resource types whose schemas list them, and the
reason they stay out. test_execution_role_covers_schemas.py fails when a permission is missing and not
explained here, and when an entry no longer explains anything (the permission was granted, or no schema asks
for it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    types: tuple[str, ...]
    permissions: tuple[str, ...]
    reason: str

    def covers(self, resource_type: str, permission: str) -> bool:
        return resource_type in self.types and permission in self.permissions


TABLE = ("AWS::DynamoDB::Table",)
BUCKET = ("AWS::S3::Bucket",)
LOG_GROUP = ("AWS::Logs::LogGroup",)

# Read-backs (read handlers, and the Get/Describe/List calls of the other handlers) kept out.
READS_KEPT_OUT = (
    # Reading the application's data is never the deployer's business.
    Decision(TABLE, ("dynamodb:GetItem",), "an item is application data: the deployer never reads one"),
    Decision(
        ("AWS::SecretsManager::Secret",),
        ("secretsmanager:GetSecretValue",),
        "the cursor-signing key is application data: with it the deployer could forge pagination cursors",
    ),
    # Features of the type this stack does not use, so the handler has nothing to read.
    Decision(
        TABLE,
        ("s3:GetObject", "s3:GetObjectMetadata", "s3:ListBucket", "logs:DescribeLogStreams"),
        "ImportSourceSpecification is not set: no table is created from an S3 import (whose source is data)",
    ),
    Decision(
        ("AWS::ApiGateway::RestApi",),
        ("s3:GetObject",),
        "the OpenAPI body is inline (Body, not BodyS3Location)",
    ),
    Decision(("AWS::Lambda::Function",), ("lambda:GetCodeSigningConfig",), "no CodeSigningConfigArn is set"),
    Decision(
        ("AWS::SNS::Topic", "AWS::SNS::Subscription"),
        ("iam:GetRole",),
        "no delivery-status logging role and no SubscriptionRoleArn (Firehose subscriptions only)",
    ),
    Decision(
        ("AWS::WAFv2::LoggingConfiguration",),
        ("s3:GetBucketPolicy",),
        "WAF logs go to a CloudWatch Logs group, not to an S3 bucket",
    ),
    Decision(
        ("AWS::WAFv2::LoggingConfiguration",),
        ("iam:DescribeOrganization",),
        "not an action of the Service Authorization Reference (cfn-lint's Policies.json): nothing to grant",
    ),
    Decision(
        ("AWS::WAFv2::WebACLAssociation",),
        ("wafv2:GetPermissionPolicy",),
        "reads the policy of a rule group shared by another account; the WebACL uses AWS managed rule groups",
    ),
    Decision(
        ("AWS::IAM::Policy",),
        ("iam:GetUserPolicy", "iam:GetGroupPolicy"),
        "ApplicationSignalsPolicy names roles only: no user or group policy to read back",
    ),
)

# Writes the schemas list and the roles do not grant.
WRITES_NOT_GRANTED = (
    Decision(
        TABLE,
        ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"),
        "items are application data (the handler writes them only when importing or seeding replicas)",
    ),
    Decision(TABLE, ("dynamodb:Query", "dynamodb:Scan"), "reading items is reading application data"),
    Decision(
        TABLE,
        ("kms:Decrypt", "kms:Encrypt"),
        "DynamoDB encrypts and decrypts table data under its own grant; the caller's would only serve data",
    ),
    Decision(
        TABLE,
        (
            "dynamodb:ImportTable",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:PutRetentionPolicy",
        ),
        "ImportSourceSpecification is not set (these create a table from S3 and log the import)",
    ),
    Decision(
        TABLE,
        ("dynamodb:CreateTableReplica", "dynamodb:AssociateTableReplica", "iam:CreateServiceLinkedRole"),
        "no replicas (global tables are AWS::DynamoDB::GlobalTable) and no service-linked role to create",
    ),
    Decision(
        TABLE,
        (
            "dynamodb:EnableKinesisStreamingDestination",
            "dynamodb:DisableKinesisStreamingDestination",
            "dynamodb:UpdateKinesisStreamingDestination",
        ),
        "no KinesisStreamSpecification",
    ),
    Decision(TABLE, ("dynamodb:UpdateContributorInsights",), "no ContributorInsightsSpecification"),
    Decision(
        TABLE,
        ("dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy"),
        "no ResourcePolicy on the tables",
    ),
    Decision(
        ("AWS::KMS::Key",),
        ("kms:PutKeyPolicy", "kms:DisableKey"),
        "on create the handler passes the policy to CreateKey and disables the key only if Enabled is false "
        "(aws-cloudformation-resource-providers-kms, key/CreateHandler.java); on update they are granted",
    ),
    Decision(
        ("AWS::IAM::Role",),
        ("iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"),
        "no PermissionsBoundary; and a role that could set one could also remove it",
    ),
    Decision(
        ("AWS::IAM::ManagedPolicy",),
        (
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:AttachGroupPolicy",
            "iam:DetachGroupPolicy",
            "iam:AttachUserPolicy",
            "iam:DetachUserPolicy",
        ),
        "the policy sets no Roles, Groups or Users: the roles attach it (AttachOnlyTheStacksPolicies)",
    ),
    Decision(
        ("AWS::IAM::Policy",),
        ("iam:PutUserPolicy", "iam:DeleteUserPolicy", "iam:PutGroupPolicy", "iam:DeleteGroupPolicy"),
        "ApplicationSignalsPolicy names roles only (Roles): no user or group gets a policy",
    ),
    Decision(
        ("AWS::Lambda::Function",),
        (
            "lambda:PutFunctionCodeSigningConfig",
            "lambda:DeleteFunctionCodeSigningConfig",
            "lambda:PutFunctionScalingConfig",
            "lambda:PassCapacityProvider",
            "lambda:AssociateRuntimeAlias",
        ),
        "no code signing, no capacity provider (Lambda Managed Instances), no runtime alias",
    ),
    Decision(
        ("AWS::Lambda::Version", "AWS::Lambda::Alias"),
        (
            "lambda:PutProvisionedConcurrencyConfig",
            "lambda:DeleteProvisionedConcurrencyConfig",
            "lambda:PutFunctionScalingConfig",
        ),
        "no ProvisionedConcurrencyConfig or scaling configuration on versions and aliases",
    ),
    Decision(
        ("AWS::CloudFormation::Stack",),
        ("cloudformation:SetStackPolicy", "cloudformation:UpdateTerminationProtection"),
        "the nested stacks set no stack policy and no termination protection (the root stack holds them)",
    ),
    Decision(
        ("AWS::ApiGateway::RestApi",),
        ("apigateway:UpdateRestApiPolicy", "iam:PassRole"),
        "no resource Policy on the API and no role passed (integrations invoke Lambda with a permission)",
    ),
    Decision(
        ("AWS::CodeDeploy::DeploymentGroup",),
        ("codedeploy:RegisterOnPremisesInstance",),
        "a Lambda deployment group has no on-premises instances",
    ),
    Decision(
        LOG_GROUP,
        (
            "logs:PutDataProtectionPolicy",
            "logs:DeleteDataProtectionPolicy",
            "logs:PutIndexPolicy",
            "logs:DeleteIndexPolicy",
            "logs:PutBearerTokenAuthentication",
            "logs:PutLogGroupDeletionProtection",
            "logs:DeleteResourcePolicy",
        ),
        "no data protection, index, bearer-token, deletion-protection or resource policy on the log groups",
    ),
    Decision(LOG_GROUP, ("s3:REST.PUT.OBJECT",), "not an IAM action (an S3 REST operation name)"),
    Decision(
        BUCKET,
        (
            "s3:PutAccelerateConfiguration",
            "s3:PutAnalyticsConfiguration",
            "s3:DeleteBucketAnalyticsConfiguration",
            "s3:PutBucketCORS",
            "s3:DeleteBucketCors",
            "s3:PutBucketLogging",
            "s3:PutBucketNotification",
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutObjectLockConfiguration",
            "s3:PutBucketReplication",
            "s3:PutReplicationConfiguration",
            "s3:DeleteBucketReplication",
            "s3:PutBucketWebsite",
            "s3:DeleteBucketWebsite",
            "s3:PutIntelligentTieringConfiguration",
            "s3:PutInventoryConfiguration",
            "s3:PutMetricsConfiguration",
            "s3:DeleteBucketMetricsConfiguration",
            "s3:PutBucketAbac",
            "s3:CreateBucketMetadataTableConfiguration",
            "s3:DeleteBucketMetadataTableConfiguration",
            "s3:UpdateBucketMetadataAnnotationTableConfiguration",
            "s3:UpdateBucketMetadataInventoryTableConfiguration",
            "s3:UpdateBucketMetadataJournalTableConfiguration",
            "s3:TagResource",
            "s3:UntagResource",
            "iam:PassRole",
        ),
        "bucket features FailedEventsBucket does not use (acceleration, analytics, CORS, logging, "
        "notifications, object lock, replication and its role, website, tiering, inventory, metrics, ABAC, "
        "metadata tables, tags)",
    ),
    Decision(
        BUCKET,
        ("s3:DeleteBucketEncryption", "s3:DeleteBucketLifecycle"),
        "encryption and lifecycle are always set: never removed",
    ),
    Decision(
        BUCKET,
        ("s3:PutBucketAcl", "s3:PutObjectAcl"),
        "ACLs are disabled (BucketOwnerEnforced)",
    ),
    Decision(
        BUCKET, ("s3:DeleteObject",), "objects are application data (failed events); the bucket is retained"
    ),
    Decision(
        ("AWS::SNS::Topic", "AWS::SNS::Subscription"),
        ("iam:PassRole", "sns:PutDataProtectionPolicy"),
        "no delivery-status logging role, no subscription role, no data protection policy",
    ),
    Decision(
        ("AWS::SecretsManager::Secret",),
        ("secretsmanager:ReplicateSecretToRegions", "secretsmanager:RemoveRegionsFromReplication"),
        "the secret is not replicated to other Regions",
    ),
    Decision(
        ("AWS::WAFv2::LoggingConfiguration",),
        ("s3:PutBucketPolicy", "iam:CreateServiceLinkedRole"),
        "logs go to CloudWatch Logs: no S3 destination policy, no Firehose service-linked role",
    ),
    Decision(
        ("AWS::WAFv2::WebACLAssociation",),
        ("wafv2:PutPermissionPolicy",),
        "shares a rule group with other accounts: nothing here is shared",
    ),
)

# Writes on the other environment's resources that an execution role can still make, and why.
SHARED_WITH_THE_OTHER_ENVIRONMENT = (
    Decision(
        ("AWS::ApiGateway::Account",),
        ("apigateway:PATCH",),
        "API Gateway's logging role is one setting per account and Region (CreateApiGatewayAccountRole)",
    ),
    Decision(
        ("AWS::Config::ConfigRule",),
        ("config:PutConfigRule", "config:DeleteConfigRule"),
        "Config rule ARNs carry a generated ID, and the rule takes no tag condition: config-rule/* is all",
    ),
)


def explained(decisions: tuple[Decision, ...], resource_type: str, permission: str) -> Decision | None:
    return next((d for d in decisions if d.covers(resource_type, permission)), None)
