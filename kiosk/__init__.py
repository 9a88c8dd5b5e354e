"""kiosk: branch-office terminal for recovering an online-banking key."""

__version__ = "0.1.0"
