import { mount } from 'svelte';
import App from './App.svelte';
import { repairNavigatorLanguage } from './lib/locale';
import './app.css';

repairNavigatorLanguage();
mount(App, { target: document.getElementById('app')! });
