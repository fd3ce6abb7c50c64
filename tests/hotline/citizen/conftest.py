from tests.fakes.fixtures import _twilio_server, fake_twilio  # noqa: F401  (fixtures)
