"""Everything Twilio: SMS and voice webhooks, their signature check, delivery receipts and the SMS sender."""
