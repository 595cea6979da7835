"""The customer's bucket through boto3: the settings check, KMS verification and repair,
presigned downloads and deletion. Errors become messages that name the problem and the fix;
they never carry the credentials."""

import logging
import uuid
from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, InvalidRegionError

log = logging.getLogger(__name__)

TIMEOUTS = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 2})


@dataclass(frozen=True)
class Bucket:
    bucket: str
    region: str
    access_key_id: str
    secret_access_key: str
    kms_key_id: str
    endpoint: str | None = None
    force_path_style: bool = False


class StorageError(Exception):
    """`code` is machine-readable, the message says what is wrong and how to fix it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _client(target: Bucket, service: str = "s3"):
    config = TIMEOUTS.merge(Config(s3={"addressing_style": "path" if target.force_path_style else "auto"}))
    try:
        return boto3.client(
            service,
            region_name=target.region,
            endpoint_url=target.endpoint or None,
            aws_access_key_id=target.access_key_id,
            aws_secret_access_key=target.secret_access_key,
            config=config,
        )
    except InvalidRegionError:
        raise StorageError(
            "invalid_region", f"'{target.region}' is not a region name: use the bucket's, e.g. us-east-1."
        ) from None
    except (BotoCoreError, ValueError):
        raise StorageError(
            "invalid_endpoint", "`endpoint` is not a usable URL: use one like https://s3.example.com."
        ) from None


def _explain(exc: Exception, target: Bucket, action: str) -> StorageError:
    if isinstance(exc, EndpointConnectionError):
        where = target.endpoint or f"S3 in {target.region}"
        return StorageError(
            "bucket_unreachable", f"Could not reach {where} to {action}: check `endpoint` and `region`."
        )
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404", "NotFound") and action != "read the recording":
            return StorageError(
                "bucket_not_found", f"Bucket '{target.bucket}' does not exist: create it or fix `bucket`."
            )
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId"):
            return StorageError(
                "bad_credentials",
                "S3 refused the credentials: check `access_key_id` and `secret_access_key`.",
            )
        if code in ("AccessDenied", "403", "Forbidden"):
            return StorageError(
                "access_denied",
                f"S3 denied access to {action}: grant s3:PutObject, s3:GetObject, s3:DeleteObject "
                f"on the bucket and kms:GenerateDataKey, kms:Decrypt on the key.",
            )
        if code in (
            "PermanentRedirect",
            "AuthorizationHeaderMalformed",
            "IllegalLocationConstraintException",
        ):
            return StorageError(
                "wrong_region", f"Bucket '{target.bucket}' is in another region: fix `region`."
            )
        if code in ("NoSuchKey", "404", "NotFound"):
            return StorageError("object_missing", "The recording's object is not in the bucket.")
        return StorageError("s3_error", f"S3 answered {code or 'an error'} when trying to {action}.")
    return StorageError("bucket_unreachable", f"Could not talk to S3 to {action} ({type(exc).__name__}).")


def key_matches(reported: str | None, configured: str) -> bool:
    """Whether the KMS key S3 reports (usually an ARN) is the configured key (id or ARN)."""
    if not reported:
        return False
    return (
        reported == configured or reported.endswith("/" + configured) or configured.endswith("/" + reported)
    )


def _encryption(head: dict) -> tuple[str | None, str | None]:
    return head.get("ServerSideEncryption"), head.get("SSEKMSKeyId")


def verify_bucket(target: Bucket) -> None:
    """Write, read back and delete a small test object: it must come back `aws:kms` under
    the configured key, i.e. the bucket's default encryption is right. Raises StorageError."""
    s3 = _client(target)
    key = f".switchboard-check/{uuid.uuid4().hex}"
    try:
        s3.put_object(Bucket=target.bucket, Key=key, Body=b"switchboard recording settings check")
        head = s3.head_object(Bucket=target.bucket, Key=key)
    except (BotoCoreError, ClientError) as exc:
        raise _explain(exc, target, "write a test object") from None
    try:
        s3.delete_object(Bucket=target.bucket, Key=key)
    except (BotoCoreError, ClientError) as exc:
        log.warning("could not delete the settings check object: %s", type(exc).__name__)
    algorithm, key_id = _encryption(head)
    if algorithm != "aws:kms":
        raise StorageError(
            "bucket_not_kms_encrypted",
            f"Objects written to '{target.bucket}' are not encrypted with KMS "
            f"(got {algorithm or 'no encryption'}): set the bucket's default encryption to SSE-KMS "
            "with your key (aws:kms, kms_key_id), because egress cannot ask for encryption itself.",
        )
    if not key_matches(key_id, target.kms_key_id):
        raise StorageError(
            "wrong_kms_key",
            f"Objects written to '{target.bucket}' are encrypted with another KMS key ({key_id}): "
            "make the bucket's default encryption use the configured `kms_key_id`, or fix `kms_key_id`.",
        )


def head(target: Bucket, key: str) -> dict:
    try:
        return _client(target).head_object(Bucket=target.bucket, Key=key)
    except (BotoCoreError, ClientError) as exc:
        raise _explain(exc, target, "read the recording") from None


def ensure_kms(target: Bucket, key: str) -> tuple[int, bool]:
    """Check the object is aws:kms under the configured key; if not, copy it onto itself with
    SSE-KMS. Returns (size in bytes, whether a repair was needed). Raises StorageError."""
    info = head(target, key)
    algorithm, key_id = _encryption(info)
    if algorithm == "aws:kms" and key_matches(key_id, target.kms_key_id):
        return int(info.get("ContentLength", 0)), False
    try:
        _client(target).copy_object(
            Bucket=target.bucket,
            Key=key,
            CopySource={"Bucket": target.bucket, "Key": key},
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=target.kms_key_id,
            MetadataDirective="COPY",
        )
    except (BotoCoreError, ClientError) as exc:
        raise _explain(exc, target, "re-encrypt the recording") from None
    info = head(target, key)
    algorithm, key_id = _encryption(info)
    if algorithm != "aws:kms" or not key_matches(key_id, target.kms_key_id):
        raise StorageError(
            "encryption_failed", "The recording could not be encrypted with the configured key."
        )
    return int(info.get("ContentLength", 0)), True


def presigned_get(target: Bucket, key: str, expires_in: int) -> str:
    return _client(target).generate_presigned_url(
        "get_object", Params={"Bucket": target.bucket, "Key": key}, ExpiresIn=expires_in
    )


def delete(target: Bucket, key: str) -> None:
    """Delete the object and the manifest egress writes beside it (`<key>.json`)."""
    s3 = _client(target)
    try:
        s3.delete_object(Bucket=target.bucket, Key=key)
        s3.delete_object(Bucket=target.bucket, Key=key + ".json")
    except (BotoCoreError, ClientError) as exc:
        raise _explain(exc, target, "delete the recording") from None


def ensure_kms_bucket(target: Bucket) -> str:
    """Development only (`make run`): create the bucket if needed with default encryption
    aws:kms under a new KMS key, or reuse the key it already has. Returns the key id."""
    s3 = _client(target)
    try:
        rules = s3.get_bucket_encryption(Bucket=target.bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        default = rules[0]["ApplyServerSideEncryptionByDefault"]
        if default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID"):
            return default["KMSMasterKeyID"]
    except ClientError:
        pass
    key_id = _client(target, "kms").create_key(Description="Switchboard dev recordings")["KeyMetadata"][
        "KeyId"
    ]
    try:
        s3.create_bucket(Bucket=target.bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise
    s3.put_bucket_encryption(
        Bucket=target.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id}}
            ]
        },
    )
    return key_id
