"""A person gives feedback from their phone, and their answers land in the store anonymised."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.harness import Harness

HOSTEL = "Riverside Hostel (example)"


async def _everything_stored(harness: Harness) -> str:
    """Every value in every table, as one string, to search for things that must not be there."""
    dump = []
    async with harness.runtime.engine.connect() as connection:
        for table in ("participants", "responses", "answers", "processed_updates"):
            rows = await connection.execute(text(f"SELECT * FROM {table}"))
            dump += [json.dumps([str(v) for v in row]) for row in rows]
    return "\n".join(dump)


async def test_the_welcome_says_who_runs_it_that_it_is_anonymous_and_where_to_get_help(
    harness: Harness,
) -> None:
    phone = harness.phone()
    await phone.command("/start")
    welcome = phone.texts()[0]
    assert "council team that pays for local services" in welcome
    assert "not run by the services" in welcome
    assert "You do not give your name" in welcome and "optional" in welcome
    assert "Nobody reads these messages as they arrive" in welcome
    assert "999" in welcome and "116 123" in welcome
    assert phone.buttons() == ["Start", "Not now"]


async def test_a_person_walks_the_whole_flow_and_every_answer_lands_anonymised(
    harness: Harness,
) -> None:
    phone = harness.phone(first_name="Alexandra", username="alex_from_the_hostel")
    await phone.command("/start")
    await phone.tap("Start")
    assert phone.texts() == ["Which service do you want to tell us about?"]
    assert phone.buttons()[:2] == [HOSTEL, "Harbour Recovery Service (example)"]
    assert phone.buttons()[-3:] == ["It is not on this list", "I don't use services now", "Skip"]
    await phone.tap(HOSTEL)
    assert phone.texts() == [f"Overall, how was your experience of {HOSTEL}?"]
    assert phone.buttons() == [
        "Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know", "Skip"
    ]  # fmt: skip
    await phone.tap("Good")
    assert phone.said("What is working well for you?")
    await phone.say("My key worker Sam is great, call her on 07700 900123")
    assert phone.said("What could be better?")
    await phone.say("The showers are often cold")
    assert phone.said("anything you need that no service gives you")
    await phone.say("Somewhere to wash my clothes")
    assert phone.said("May we quote your words")
    await phone.tap("Yes")
    assert phone.said("Thank you.") and phone.said("What happens next")
    assert harness.refusals() == []

    [response] = await harness.responses()
    assert response["service_code"] == "riverside-hostel"
    assert response["service_status"] == "service"
    assert response["quote_consent"] is True
    assert response["completed_at"] is not None
    answers = {a["question"]: a for a in await harness.answers()}
    assert answers["rating"]["choice"] == "good"
    assert answers["working_well"]["text"] == "My key worker Sam is great, call her on [phone]"
    assert answers["could_be_better"]["text"] == "The showers are often cold"
    assert answers["unmet_need"]["text"] == "Somewhere to wash my clothes"
    assert all(a["language"] == "en" for a in answers.values())

    stored = await _everything_stored(harness)
    assert str(phone.person.user_id) not in stored
    assert "Alexandra" not in stored and "alex_from_the_hostel" not in stored
    assert "07700" not in stored


async def test_skipping_every_question_still_thanks_the_person(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start")
    await phone.tap("Start")
    for _ in range(5):  # service, rating, three questions in words
        await phone.tap("Skip")
    # Nothing written, so there is nothing to quote and no consent to ask for.
    assert phone.said("Thank you.")
    answers = await harness.answers()
    assert sorted(a["question"] for a in answers) == [
        "could_be_better", "rating", "unmet_need", "working_well"
    ]  # fmt: skip
    assert all(a["skipped"] and a["text"] is None and a["choice"] is None for a in answers)
    [response] = await harness.responses()
    assert response["service_status"] == "not_said" and response["completed_at"] is not None


async def test_a_deep_link_or_qr_code_preselects_the_service(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start", "harbour-recovery")
    await phone.tap("Start")
    assert phone.texts() == [
        "Overall, how was your experience of Harbour Recovery Service (example)?"
    ]
    [response] = await harness.responses()
    assert response["service_code"] == "harbour-recovery"


async def test_an_unknown_deep_link_code_just_asks_which_service(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start", "no-such-service")
    await phone.tap("Start")
    assert phone.texts() == ["Which service do you want to tell us about?"]


async def test_people_who_dont_use_services_are_asked_what_they_need(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start")
    await phone.tap("Start")
    await phone.tap("I don't use services now")
    assert phone.said("Is there anything you need that no service gives you?")
    await phone.say("A place to go in the day when it rains")
    await phone.tap("No")
    assert phone.said("Thank you.")
    [response] = await harness.responses()
    assert response["service_status"] == "no_services" and response["quote_consent"] is False


async def test_a_service_not_on_the_list_is_called_this_service(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start")
    await phone.tap("Start")
    await phone.tap("It is not on this list")
    assert phone.texts() == ["Overall, how was your experience of this service?"]


async def test_each_answer_is_committed_the_moment_it_is_given(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Very poor")
    [answer] = await harness.answers()
    assert answer["question"] == "rating" and answer["choice"] == "very_poor"
    await phone.say("Staff shouted at me")
    assert len(await harness.answers()) == 2


async def test_stop_leaves_at_any_point_and_keeps_earlier_answers(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Poor")
    await phone.command("/stop")
    assert phone.said("we have stopped") and phone.said("saved")
    await phone.say("hello?")
    assert phone.said("To give feedback, send /start")
    assert [a["choice"] for a in await harness.answers()] == ["poor"]


async def test_a_button_from_an_earlier_question_only_says_it_has_closed(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    rating = next(m for m in phone.inbox() if "Very poor" in str(m.buttons))
    await phone.deliver(
        harness.updates.callback(phone.person, rating, rating.callback_data("Very poor"))
    )
    assert phone.last == []
    assert phone.toasts()[-1] == "That question has closed. Please use the newest message."
    assert [a["choice"] for a in await harness.answers()] == ["good"]


async def test_typing_when_a_button_is_expected_points_to_the_buttons(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.say("it was ok I guess")
    assert phone.texts()[0] == "Please tap one of the buttons, or tap Skip."
    assert phone.buttons()[-1] == "Skip"  # the question again, with its buttons
    assert await harness.answers() == []


async def test_the_same_update_delivered_twice_is_processed_once(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    update = harness.updates.text(phone.person, "Kind staff")
    assert len(await phone.deliver(update)) == 1
    assert await phone.deliver(update) == []
    assert [a["text"] for a in await harness.answers() if a["text"]] == ["Kind staff"]


async def test_help_explains_and_lists_the_commands(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/help")
    [help_text] = phone.texts()
    for command in ("/start", "/stop", "/language", "/forget"):
        assert command in help_text
    assert "116 123" in help_text
