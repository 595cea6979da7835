"""The admin's retention page: the same policy and validation as the API, with the field's
error beside it, and the project's recent purges."""

from switchboard.extensions import db
from switchboard.models import AuditEntry, Project
from tests.admin.conftest import csrf_token


def path() -> str:
    project_id = db.session.scalar(db.select(Project.id).where(Project.name == "acme"))
    return f"/admin/projects/{project_id}/retention"


def form(admin, **values) -> dict:
    body = {
        "chat_messages_days": "",
        "sessions_days": "",
        "recordings_days": "",
        "webhook_deliveries_days": "",
    }
    body.update(values)
    body["csrf_token"] = csrf_token(admin, path())
    return body


def test_the_page_sets_the_policy_the_api_reads(admin, api):
    page = admin.post(
        path(), data=form(admin, chat_messages_days="30", recordings_days=" 365 "), follow_redirects=True
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Retention policy saved." in html
    assert 'value="30"' in html and 'value="365"' in html
    data = api.get("/retention").get_json()["data"]
    assert (data["chat_messages_days"], data["sessions_days"], data["recordings_days"]) == (30, None, 365)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "retention.updated"))
    assert entry.actor == "admin"


def test_a_bad_value_is_shown_beside_its_field_and_nothing_changes(admin, api):
    for bad, words in (
        ("0", "greater than or equal to 1"),
        ("4000", "less than or equal to 3650"),
        ("ten", "integer"),
    ):
        page = admin.post(path(), data=form(admin, sessions_days=bad))
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert 'class="field has-error"' in html and words in html and "sessions_days" in html
        assert api.get("/retention").get_json()["data"]["updated_at"] is None


def test_a_post_without_csrf_is_refused(client, admin, api):
    api.get("/retention")
    assert admin.post(path(), data={"chat_messages_days": "5"}).status_code == 400
    assert api.get("/retention").get_json()["data"]["chat_messages_days"] is None


def test_recent_purges_are_listed_and_the_keys_page_links_here(admin, api, runner):
    admin.post(path(), data=form(admin, chat_messages_days="30"))
    assert runner.invoke(args=["retention", "purge"]).exit_code == 0
    html = admin.get(path()).get_data(as_text=True)
    assert "chat messages: 0" in html and ">cli<" in html
    assert path() in admin.get("/admin/keys").get_data(as_text=True)
