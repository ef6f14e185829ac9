"""pades"""
