"""Documents in an S3-compatible object store (README: "Dokumente"): STORAGES["default"] is
django-storages' S3 backend, talking HTTP to a local S3 endpoint (moto's server, an S3
emulator; the [dev] dependency `moto[server]`). Upload, download through the permission-checked
view, deletion, and no object left after a refused or failed upload and after erasure."""

import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from fallmanagement.privacy.gdpr import erase
from placements.models import Document
from placements.uploads import check_upload, save_document

from .test_documents import download_url, pdf_bytes, upload

pytestmark = pytest.mark.django_db

BUCKET = "fallmanagement-dokumente"


@pytest.fixture(scope="module")
def s3_endpoint():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        pytest.skip("moto[server] is not installed: no local S3 endpoint (pip install -e .[dev])")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
        host, port = server.get_host_and_port()
        socket.create_connection((host, port), timeout=5).close()
    except OSError as error:
        pytest.skip(f"the local S3 endpoint (moto server) could not start: {error}")
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106
        region_name="eu-central-1",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    # The production settings of the README, pointed at the local endpoint.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "eu-central-1",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_upload_download_delete_through_the_object_store(
    caseworker_client,
    other_caseworker_client,
    participant,
    bucket,
    django_capture_on_commit_callbacks,
):
    content = pdf_bytes()
    response = upload(caseworker_client, participant, "Bescheid.pdf", content)
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.file.storage.__class__.__name__ == "S3Storage"
    # One object under the random name, nothing under the uploaded name.
    assert keys(bucket) == [document.file.name]
    assert "Bescheid" not in document.file.name
    stored = bucket.get_object(Bucket=BUCKET, Key=document.file.name)["Body"].read()
    assert stored == content

    # Download only through the view, which checks visible_to.
    response = caseworker_client.get(download_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert other_caseworker_client.get(download_url(document)).status_code == 404

    delete_url = reverse(
        "participants:document_delete", args=[document.participant_id, document.pk]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert caseworker_client.post(delete_url).status_code == 302
    assert not Document.objects.exists()
    assert keys(bucket) == []


def test_missing_object_is_404(caseworker_client, participant, bucket):
    upload(caseworker_client, participant, "Bescheid.pdf", pdf_bytes())
    document = Document.objects.get()
    bucket.delete_object(Bucket=BUCKET, Key=document.file.name)
    assert caseworker_client.get(download_url(document)).status_code == 404


def test_refused_upload_leaves_no_object(caseworker_client, participant, bucket):
    response = upload(caseworker_client, participant, "bericht.pdf", b"MZ\x90\x00" + b"\0" * 200)
    assert response.status_code == 422
    assert not Document.objects.exists()
    assert keys(bucket) == []


def test_failed_row_after_the_object_was_written_removes_it(participant, bucket):
    # The database refuses the row (the transaction turned read-only: a real failure of the
    # INSERT, after the object was written): the object is removed again.
    file = SimpleUploadedFile("a.pdf", pdf_bytes())
    document = Document(participant=participant, kind=Document.Kind.OTHER)
    content_type = check_upload(file)
    with pytest.raises(DatabaseError, match="read-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")  # undone with the savepoint
        save_document(document, file, content_type)
    assert keys(bucket) == []


def test_erasure_leaves_no_object(
    caseworker_client, administrator, participant, bucket, django_capture_on_commit_callbacks
):
    upload(caseworker_client, participant, "Bescheid.pdf", pdf_bytes())
    upload(caseworker_client, participant, "Zeugnis.pdf", pdf_bytes())
    assert len(keys(bucket)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        erase(participant, administrator)
    assert not Document.objects.exists()
    assert keys(bucket) == []
