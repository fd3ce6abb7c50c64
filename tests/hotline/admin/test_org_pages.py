"""Units and their hierarchy, users and posts: create, edit, deactivate, reset a password —
each with clear form errors and an audit entry."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.admin import ENTITIES
from hotline.app.extensions import db
from hotline.models import Department, Role, User
from tests.hotline.admin.helpers import entries, field_error, last, post, sign_in


def _unit(code: str) -> Department:
    db.session.expire_all()
    return db.session.scalars(select(Department).where(Department.code == code)).one()


def _user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.username == username)).one()


def test_admin_pages_are_for_administrators_only(app: Flask, reference: None,
                                                 client: FlaskClient) -> None:
    assert client.get("/admin/units").status_code == 302  # to the sign-in page
    sign_in(client, "supervisor")
    for path in ("/admin/", "/admin/units", "/admin/users/new", "/admin/models", "/admin/audit"):
        assert client.get(path).status_code == 403, path
    assert post(client, "/admin/units/new", {"code": "x"}).status_code == 403
    sign_in(client, "admin")
    home = client.get("/admin/")
    assert home.status_code == 200 and "承办单位" in home.get_data(as_text=True)
    assert client.get("/admin/nothing").status_code == 404
    assert client.get("/admin/units/999999").status_code == 404


def test_every_area_lists_and_offers_a_form(app: Flask, reference: None,
                                            client: FlaskClient) -> None:
    sign_in(client, "admin")
    for entity in ENTITIES:
        listing = client.get(f"/admin/{entity}")
        assert listing.status_code == 200, entity
        assert client.get(f"/admin/{entity}/new").status_code == 200, entity
        english = client.get(f"/admin/{entity}?lang=en").get_data(as_text=True)
        assert "Administration home" in english and "管理首页" not in english, entity
        first = ENTITIES.rows(db.session, entity)[:1]
        if first:
            key = ENTITIES[entity].as_dict(first[0])["id"]
            assert client.get(f"/admin/{entity}/{key}").status_code == 200, entity


def test_units_hierarchy_with_validation_and_audit(app: Flask, reference: None,
                                                  client: FlaskClient) -> None:
    sign_in(client, "admin")
    listing = client.get("/admin/units").get_data(as_text=True)
    # the tree: a district government is listed after the city government it reports to
    assert listing.index("A市人民政府") < listing.index("a1-gov")

    no_district = post(client, "/admin/units/new", {"code": "a1-s9", "name": "A1区新街道",
                                                    "level": "street", "parent": "a1-gov",
                                                    "active": "1"})
    assert no_district.status_code == 400
    assert "区县" in field_error(no_district, "district")
    bad_code = post(client, "/admin/units/new", {"code": "A1 S9", "name": "x", "level": "street",
                                                 "district": "a1"})
    assert bad_code.status_code == 400 and field_error(bad_code, "code")
    taken = post(client, "/admin/units/new", {"code": "zjj", "name": "x", "level": "city"})
    assert "已被使用" in field_error(taken, "code")
    upside_down = post(client, "/admin/units/new", {"code": "c9", "name": "x", "level": "city",
                                                    "parent": "a1-s1"})
    assert "层级" in field_error(upside_down, "parent")
    bad_phone = post(client, "/admin/units/new", {"code": "a1-s9", "name": "A1区新街道",
                                                  "level": "street", "district": "a1",
                                                  "duty_phone": "12"})
    assert field_error(bad_phone, "duty_phone")
    assert entries("units") == []

    created = post(client, "/admin/units/new", {"code": "a1-s9", "name": "A1区新街道",
                                                "level": "street", "parent": "a1-gov",
                                                "district": "a1", "duty_phone": "0571-88001234",
                                                "active": "1"})
    assert created.status_code == 302
    unit = _unit("a1-s9")
    assert unit.parent is not None and unit.parent.code == "a1-gov" and unit.active
    entry = last("units")
    assert (entry.username, entry.action, entry.before) == ("admin", "create", None)
    assert entry.after["parent"] == "a1-gov" and entry.entity_id == str(unit.id)

    renamed = post(client, f"/admin/units/{unit.id}", {"code": "a1-s9", "name": "A1区滨江街道",
                                                       "level": "street", "parent": "a1-gov",
                                                       "district": "a1", "active": "1"})
    assert renamed.status_code == 302 and _unit("a1-s9").name == "A1区滨江街道"
    entry = last("units")
    assert entry.action == "update" and entry.before["name"] == "A1区新街道"
    assert entry.after["name"] == "A1区滨江街道" and entry.after["duty_phone"] is None

    gov = _unit("a1-gov")
    loop = post(client, f"/admin/units/{gov.id}", {"code": "a1-gov", "name": gov.name,
                                                   "level": "district", "parent": "a1-s9",
                                                   "district": "a1", "active": "1"})
    assert loop.status_code == 400 and "下级" in field_error(loop, "parent")
    in_use = post(client, f"/admin/units/{gov.id}", {"_action": "deactivate"})
    assert in_use.status_code == 400 and "下级单位" in in_use.get_data(as_text=True)
    assert _unit("a1-gov").active

    gone = post(client, f"/admin/units/{unit.id}", {"_action": "deactivate"})
    assert gone.status_code == 302 and not _unit("a1-s9").active
    entry = last("units")
    assert (entry.action, entry.before["active"], entry.after["active"]) == \
        ("deactivate", True, False)
    refused = post(client, f"/admin/units/{unit.id}", {"_action": "delete"})
    assert refused.status_code == 400 and _unit("a1-s9") is not None


def test_users_create_reset_password_and_deactivate(app: Flask, reference: None,
                                                   client: FlaskClient) -> None:
    sign_in(client, "admin")
    form = {"username": "wang.li", "display_name": "王丽", "role": "unit_staff",
            "password": "s3cret-pass-2026", "active": "1"}
    no_unit = post(client, "/admin/users/new", form)
    assert no_unit.status_code == 400 and "单位" in field_error(no_unit, "department")
    assert "s3cret-pass-2026" not in no_unit.get_data(as_text=True)  # never echoed back
    weak = post(client, "/admin/users/new", {**form, "department": "zjj", "password": "123"})
    assert weak.status_code == 400 and field_error(weak, "password")
    bad_name = post(client, "/admin/users/new", {**form, "department": "zjj", "username": "王丽"})
    assert field_error(bad_name, "username")

    assert post(client, "/admin/users/new", {**form, "department": "zjj"}).status_code == 302
    user = _user("wang.li")
    assert user.role == Role.UNIT_STAFF and user.department is not None
    entry = last("users")
    assert entry.action == "create" and entry.after["department"] == "zjj"
    assert "password" not in entry.after and "password_hash" not in entry.after

    moved = post(client, f"/admin/users/{user.id}", {**form, "department": "cgj",
                                                     "role": "unit_lead"})
    assert moved.status_code == 302 and _user("wang.li").role == Role.UNIT_LEAD
    entry = last("users")
    assert (entry.before["department"], entry.after["department"]) == ("zjj", "cgj")

    short = post(client, f"/admin/users/{user.id}", {"_action": "reset_password",
                                                     "password": "short"})
    assert short.status_code == 400
    reset = post(client, f"/admin/users/{user.id}", {"_action": "reset_password",
                                                     "password": "n3w-pass-word!"})
    assert reset.status_code == 302 and last("users").action == "reset_pass"
    sign_in(client, "wang.li", "n3w-pass-word!")
    sign_in(client, "admin")

    me = _user("admin")
    own = post(client, f"/admin/users/{me.id}", {"_action": "deactivate"})
    assert own.status_code == 400 and _user("admin").active
    demote = post(client, f"/admin/users/{me.id}", {"username": "admin", "display_name": "管理员",
                                                    "role": "agent", "active": "1"})
    assert demote.status_code == 400 and field_error(demote, "role")

    assert post(client, f"/admin/users/{user.id}", {"_action": "deactivate"}).status_code == 302
    assert not _user("wang.li").active and last("users").action == "deactivate"
    post(client, "/logout", {})
    page = post(client, "/login", {"username": "wang.li", "password": "n3w-pass-word!"})
    assert page.status_code != 302  # a deactivated account cannot sign in


def test_a_units_parent_is_on_its_level_or_one_up(app: Flask, reference: None,
                                                 client: FlaskClient) -> None:
    sign_in(client, "admin")
    community = {"code": "a1-s1-c9", "name": "A1区东湖街道新湖社区居民委员会",
                 "level": "community", "district": "a1", "duty_phone": "0571-88001299",
                 "active": "1"}
    skipping = post(client, "/admin/units/new", {**community, "parent": "a1-gov"})
    assert skipping.status_code == 400
    assert "上一级" in field_error(skipping, "parent") and "街道/乡镇" in field_error(skipping, "parent")
    orphan = post(client, "/admin/units/new", community)
    assert orphan.status_code == 400 and "社区/村须隶属街道/乡镇" in field_error(orphan, "parent")
    elsewhere = post(client, "/admin/units/new", {**community, "parent": "a1-s1", "district": "a2"})
    assert elsewhere.status_code == 400 and "a1" in field_error(elsewhere, "district")
    assert entries("units") == []

    created = post(client, "/admin/units/new", {**community, "parent": "a1-s1"})
    assert created.status_code == 302
    unit = _unit("a1-s1-c9")
    assert unit.level.value == "community" and unit.parent is not None
    assert unit.parent.code == "a1-s1" and last("units").after["level"] == "community"
    listing = client.get("/admin/units").get_data(as_text=True)
    assert "社区/村" in listing and listing.index("A1区东湖街道办事处") < listing.index("a1-s1-c9")

    street = _unit("a1-s1")
    demoted = post(client, f"/admin/units/{street.id}", {
        "code": "a1-s1", "name": street.name, "level": "community", "parent": "a1-s2",
        "district": "a1", "active": "1"})
    assert demoted.status_code == 400 and "a1-s1-c9" in field_error(demoted, "level")
    english = post(client, "/admin/units/new?lang=en", {**community, "code": "a1-s1-c8",
                                                          "parent": "a1-gov"})
    assert english.status_code == 400 and "one level up" in field_error(english, "parent")
