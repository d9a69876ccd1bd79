"""The web's Flask extensions, created unbound so that views can import them without cycles."""

from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
