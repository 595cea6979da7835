"""The one package that knows LiveKit exists. Nothing outside it imports the LiveKit SDK."""
