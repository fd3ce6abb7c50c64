from tests.hotline.console.model import console_model, console_model_dir  # noqa: F401
