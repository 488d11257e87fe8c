"""Front ends: the console and the Telegram bot, both rendering the engine's answers."""
